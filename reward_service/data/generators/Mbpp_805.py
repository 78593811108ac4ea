"""Mbpp/805: many lists: sums per list."""

import random

SCALE = 10000


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randint(-1000, 1000) for _ in range(5)] for _ in range(scale)]
    rows[rng.randrange(scale)] = [10 ** 6] * 5
    return {"args": [rows], "kwargs": {}}
