"""Mbpp/170: the whole list in range: validation loops vs sum of a slice."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-1000, 1000) for _ in range(scale)]
    return {"args": [values, rng.randint(0, 10), scale - 1 - rng.randint(0, 10)], "kwargs": {}}
