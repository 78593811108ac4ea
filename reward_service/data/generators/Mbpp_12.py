"""Mbpp/12: many rows with distinct sums: validation and Python loops vs sorted(key=sum)."""

import random

SCALE = 20000


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randrange(10 ** 9) for _ in range(5)] for _ in range(scale)]
    return {"args": [rows], "kwargs": {}}
