"""Mbpp/611: many rows: zip(*matrix) of every column vs one column."""

import random

SCALE = 50000


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randint(-1000, 1000) for _ in range(5)] for _ in range(scale)]
    return {"args": [rows, 2], "kwargs": {}}
