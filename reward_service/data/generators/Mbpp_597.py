"""Mbpp/597: two long sorted arrays, k in the middle."""

import random

SCALE = 50000


def generate(scale, seed):
    rng = random.Random(seed)
    a = sorted(rng.randrange(10 ** 7) for _ in range(scale))
    b = sorted(rng.randrange(10 ** 7) for _ in range(scale))
    return {"args": [a, b, scale], "kwargs": {}}
