"""Mbpp/460: many sublists: checks and appends vs a comprehension."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [[[rng.randrange(1000) for _ in range(rng.randint(1, 4))] for _ in range(scale)]], "kwargs": {}}
