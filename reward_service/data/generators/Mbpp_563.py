"""Mbpp/563: many quoted values: a per-character loop vs find or a regex."""

import random

SCALE = 20000


def generate(scale, seed):
    rng = random.Random(seed)
    parts = ['"' + "".join(rng.choices("abcdefgh", k=rng.randint(1, 8))) + '"' for _ in range(scale)]
    return {"args": [", ".join(parts)], "kwargs": {}}
