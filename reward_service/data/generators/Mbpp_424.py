"""Mbpp/424: many strings: checks and appends vs a comprehension."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [tuple("".join(rng.choices("abcdef", k=rng.randint(1, 6))) for _ in range(scale))], "kwargs": {}}
