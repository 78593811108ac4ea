"""Mbpp/775: odd numbers at every odd index: every solution checks them all."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(1000) * 2 + (i % 2) for i in range(scale)]
    return {"args": [values], "kwargs": {}}
