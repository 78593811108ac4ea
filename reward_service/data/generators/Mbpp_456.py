"""Mbpp/456: many strings: join(reversed()) vs a slice."""

import random

SCALE = 30000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [["".join(rng.choices("abcdefghij", k=rng.randint(1, 12))) for _ in range(scale)]], "kwargs": {}}
