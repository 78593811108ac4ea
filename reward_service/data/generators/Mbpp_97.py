"""Mbpp/97: mostly distinct values: list.count per item O(n^2) vs Counter."""

import random

SCALE = 75


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randrange(4 * scale) for _ in range(rng.randint(1, 8))] for _ in range(scale)]
    return {"args": [rows], "kwargs": {}}
