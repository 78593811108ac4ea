"""Mbpp/808: k is absent: every solution scans the whole tuple."""

import random

SCALE = 400000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [tuple(rng.randrange(10 ** 6) for _ in range(scale)), -1], "kwargs": {}}
