"""Mbpp/226: a Python loop of += vs one slice."""

import random
import string

SCALE = 150000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(string.ascii_letters) for _ in range(scale))
    return {"args": [text], "kwargs": {}}
