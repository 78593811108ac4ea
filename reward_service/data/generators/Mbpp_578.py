"""Mbpp/578: three long lists: loops vs slice assignment."""

import random

SCALE = 50000


def generate(scale, seed):
    rng = random.Random(seed)
    lists = [[rng.randrange(10 ** 6) for _ in range(scale)] for _ in range(3)]
    return {"args": lists, "kwargs": {}}
