"""Mbpp/106: long list and tuple: list round trips vs tuple concatenation."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(10 ** 6) for _ in range(scale)]
    return {"args": [values, tuple(rng.randrange(10 ** 6) for _ in range(scale))], "kwargs": {}}
