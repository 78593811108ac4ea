"""Mbpp/604: a long sentence: reversed() vs a slice."""

import random

SCALE = 50000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [" ".join("".join(rng.choices("abcdefghij", k=rng.randint(1, 8))) for _ in range(scale))], "kwargs": {}}
