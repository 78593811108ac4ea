"""Mbpp/265: a long list split into many strides."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(10 ** 6) for _ in range(scale)]
    return {"args": [values, max(2, int(scale ** 0.5))], "kwargs": {}}
