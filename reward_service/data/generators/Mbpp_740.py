"""Mbpp/740: a long tuple of distinct keys: index loops vs zip of slices."""

import random

SCALE = 25000


def generate(scale, seed):
    rng = random.Random(seed)
    keys = rng.sample(range(10 * scale), scale)
    flat = []
    for k in keys:
        flat += [k, rng.randrange(10 ** 6)]
    return {"args": [tuple(flat)], "kwargs": {}}
