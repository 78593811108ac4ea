"""Mbpp/240: a long second list: append per item vs extend."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    first = [rng.randrange(10 ** 6) for _ in range(scale)]
    return {"args": [first, [rng.randrange(10 ** 6) for _ in range(scale)]], "kwargs": {}}
