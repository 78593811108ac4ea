"""Mbpp/19: a duplicate at the front: an early-exit scan stops at once, building a set does not."""

import random

SCALE = 50000


def generate(scale, seed):
    rng = random.Random(seed)
    values = rng.sample(range(10 * scale), scale)
    values.insert(1, values[0])
    return {"args": [values], "kwargs": {}}
