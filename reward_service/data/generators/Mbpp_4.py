"""Mbpp/4: n largest with n = half the list: a heap of n pushes/pops vs one sort."""

import random

SCALE = 10000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values, scale // 2], "kwargs": {}}
