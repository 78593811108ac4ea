"""Mbpp/128: a long sentence: Python loops vs split and filter."""

import random

SCALE = 12500


def generate(scale, seed):
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghij", k=rng.randint(1, 9))) for _ in range(scale)]
    return {"args": [4, " ".join(words)], "kwargs": {}}
