"""Mbpp/308: many products and a large N: repeated scans O(N n^2) vs one sort."""

import random

SCALE = 50


def generate(scale, seed):
    rng = random.Random(seed)
    a = rng.sample(range(1, 100 * scale), scale)
    b = rng.sample(range(1, 100 * scale), scale)
    return {"args": [a, b, scale], "kwargs": {}}
