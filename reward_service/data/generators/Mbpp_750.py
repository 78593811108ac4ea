"""Mbpp/750: a long tuple: append per item vs extend."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(10 ** 6) for _ in range(scale)]
    return {"args": [values, tuple(rng.randrange(10 ** 6) for _ in range(scale))], "kwargs": {}}
