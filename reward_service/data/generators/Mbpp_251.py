"""Mbpp/251: list.insert per item O(n^2) vs one pass."""

import random

SCALE = 6500


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [[rng.randrange(10 ** 6) for _ in range(scale)], "x"], "kwargs": {}}
