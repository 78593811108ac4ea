"""Mbpp/781: n large: divisors up to n vs up to sqrt(n)."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [scale + rng.randrange(max(1, scale // 10))], "kwargs": {}}
