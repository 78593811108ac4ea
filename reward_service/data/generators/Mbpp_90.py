"""Mbpp/90: many words: a Python loop vs max(map(len))."""

import random

SCALE = 50000


def generate(scale, seed):
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghij", k=rng.randint(1, 12))) for _ in range(scale)]
    return {"args": [words], "kwargs": {}}
