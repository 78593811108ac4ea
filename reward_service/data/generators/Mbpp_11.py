"""Mbpp/11: scan every character vs find/rfind."""

import random
import string

SCALE = 150000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(string.ascii_lowercase) for _ in range(scale))
    return {"args": [text, rng.choice("aeiou")], "kwargs": {}}
