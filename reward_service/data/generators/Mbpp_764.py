"""Mbpp/764: a long text of digits and letters: per-character checks vs a regex."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choices('abcdefghij0123456789', k=scale))
    return {"args": [text], "kwargs": {}}
