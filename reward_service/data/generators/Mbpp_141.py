"""Mbpp/141: pancake sort O(n^2) vs sorted()."""

import random

SCALE = 300


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
