"""Mbpp/392: n large: plain recursion (n^1.3 calls) vs a table or a memo."""

import random

SCALE = 10000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [scale + rng.randrange(max(1, scale // 10))], "kwargs": {}}
