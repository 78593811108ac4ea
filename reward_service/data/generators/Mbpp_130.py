"""Mbpp/130: mostly distinct values with one clear mode: count per item O(n^2) vs Counter."""

import random

SCALE = 1500


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(scale) for _ in range(scale)]
    values += [scale] * 8
    rng.shuffle(values)
    return {"args": [values], "kwargs": {}}
