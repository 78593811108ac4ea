"""Mbpp/108: bubble sort vs sorted()."""

import random

SCALE = 175


def generate(scale, seed):
    rng = random.Random(seed)
    lists = [[rng.randrange(-10 ** 6, 10 ** 6) for _ in range(scale)] for _ in range(3)]
    return {"args": lists, "kwargs": {}}
