"""Mbpp/732: many blanks, commas and dots: str.replace per character O(n^2) vs one pass."""

import random

SCALE = 160000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choices('abcdefghijklmnop ,.', k=scale))
    return {"args": [text], "kwargs": {}}
