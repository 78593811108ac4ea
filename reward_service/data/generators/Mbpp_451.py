"""Mbpp/451: a long text with many blanks: += per character vs str.replace."""

import random

SCALE = 400000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choices('abcdefghijklmnopqrstuvwxyz     ', k=scale))
    return {"args": [text], "kwargs": {}}
