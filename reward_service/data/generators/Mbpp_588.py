"""Mbpp/588: a long list: validation loops vs max() and min()."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
