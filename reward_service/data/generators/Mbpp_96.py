"""Mbpp/96: divisor count: loop to n vs to sqrt(n)."""

import random

SCALE = 120000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [scale + rng.randrange(max(1, scale // 10))], "kwargs": {}}
