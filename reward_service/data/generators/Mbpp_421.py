"""Mbpp/421: a long tuple: += per element vs join."""

import random

SCALE = 25000


def generate(scale, seed):
    rng = random.Random(seed)
    items = [rng.randrange(1000) if rng.random() < 0.5 else "".join(rng.choices("abcxyz", k=3)) for _ in range(scale)]
    return {"args": [tuple(items)], "kwargs": {}}
