"""Mbpp/433: the number beats every element: full scans."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values, 10 ** 6 + 1], "kwargs": {}}
