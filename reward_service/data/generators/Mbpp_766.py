"""Mbpp/766: a long list: indexing loops vs zip."""

import random

SCALE = 25000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
