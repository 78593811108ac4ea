"""Mbpp/62: a long list: Python loops with checks vs min()."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
