"""Mbpp/428: halving gaps vs Knuth's gaps on a random list."""

import random

SCALE = 2500


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
