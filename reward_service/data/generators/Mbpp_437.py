"""Mbpp/437: a long string: per-character generators vs one slice."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choices('abcdefghijklmnopqrstuvwxyz', k=scale))
    return {"args": [text], "kwargs": {}}
