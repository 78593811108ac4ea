"""Mbpp/755: a long list with repeats: a loop over the sorted list vs sorted(set())."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-1000, 1000) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
