"""Mbpp/140: sum(lists, []) O(n^2) vs set.update."""

import random

SCALE = 2200


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randrange(10 * scale) for _ in range(3)] for _ in range(scale)]
    return {"args": [rows], "kwargs": {}}
