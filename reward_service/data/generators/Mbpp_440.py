"""Mbpp/440: the only adverb is at the end: the regex scans every word."""

import random

SCALE = 50000


def generate(scale, seed):
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghijkmnopqrstuvwx", k=rng.randint(1, 8))) for _ in range(scale // 5)]
    return {"args": [" ".join(words) + " quickly"], "kwargs": {}}
