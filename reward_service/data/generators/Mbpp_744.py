"""Mbpp/744: no None: every solution scans the whole tuple."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [tuple(rng.randrange(10 ** 6) for _ in range(scale))], "kwargs": {}}
