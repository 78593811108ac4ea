"""Mbpp/720: a long tuple: list round trips vs tuple concatenation."""

import random

SCALE = 400000


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [tuple(rng.randrange(10 ** 6) for _ in range(scale)), {"a": 1, "b": 2}], "kwargs": {}}
