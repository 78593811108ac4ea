"""Mbpp/760: one value repeated: every solution scans the whole list."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [[rng.randrange(10 ** 6)] * scale], "kwargs": {}}
