"""Mbpp/94: min() recomputed per item O(n^2) vs one pass."""

import random

SCALE = 1250


def generate(scale, seed):
    rng = random.Random(seed)
    values = rng.sample(range(10 * scale), scale)
    return {"args": [[("n" + str(i), v) for i, v in enumerate(values)]], "kwargs": {}}
