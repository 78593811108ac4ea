"""Mbpp/425: many sublists: Python loops vs `in`."""

import random

SCALE = 20000


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randrange(50) for _ in range(rng.randint(1, 6))] for _ in range(scale)]
    return {"args": [rows, 7], "kwargs": {}}
