"""Mbpp/632: membership in a list O(n^2) vs two passes."""

import random

SCALE = 1300


def generate(scale, seed):
    rng = random.Random(seed)
    values = [0 if rng.random() < 0.3 else rng.randrange(1, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
