"""Mbpp/610: rebuild by index vs del."""

import random

SCALE = 170000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(10 ** 6) for _ in range(scale)]
    return {"args": [values, rng.randrange(1, scale // 10 + 2)], "kwargs": {}}
