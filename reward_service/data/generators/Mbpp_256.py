"""Mbpp/256: trial division of every number vs a sieve."""

import random

SCALE = 1300


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [scale + rng.randrange(max(1, scale // 10))], "kwargs": {}}
