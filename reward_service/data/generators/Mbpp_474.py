"""Mbpp/474: a long text: += per character vs str.replace."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choices('abcdefghijklmnopqrstuvwxyz', k=scale))
    return {"args": [text, "a", "z"], "kwargs": {}}
