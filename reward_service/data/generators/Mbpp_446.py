"""Mbpp/446: many queried elements: a count per element O(n m) vs a Counter."""

import random

SCALE = 375


def generate(scale, seed):
    rng = random.Random(seed)
    tup = tuple(rng.randrange(scale) for _ in range(scale))
    return {"args": [tup, [rng.randrange(scale) for _ in range(max(1, scale // 10))]], "kwargs": {}}
