"""Mbpp/477: a long mixed-case text: += per character vs str.lower."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choices('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ', k=scale))
    return {"args": [text], "kwargs": {}}
