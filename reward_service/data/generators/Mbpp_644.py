"""Mbpp/644: reverse the whole list: a swap loop vs slice assignment."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values, scale], "kwargs": {}}
