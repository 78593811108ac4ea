"""Mbpp/631: a long text with blanks (no underscores): += per character vs str.replace."""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choices('abcdefghijklmnopqrstuvwxyz     ', k=scale))
    return {"args": [text], "kwargs": {}}
