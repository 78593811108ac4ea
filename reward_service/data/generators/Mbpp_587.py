"""Mbpp/587: a long list to a tuple."""

import random

SCALE = 400000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
