"""Mbpp/760: one value repeated: every solution scans the whole list."""

import random

SCALE = 200000


def generate(scale, seed):
    return {"args": [[random.Random(seed).randrange(10 ** 6)] * scale], "kwargs": {}}
