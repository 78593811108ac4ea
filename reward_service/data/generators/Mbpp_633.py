"""Mbpp/633: all pairs O(n^2) vs bit counts O(32 n)."""

import random

SCALE = 300


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(2 ** 30) for _ in range(scale)]
    return {"args": [values, scale], "kwargs": {}}
