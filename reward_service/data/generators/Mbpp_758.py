"""Mbpp/758: many sublists: list.count per sublist O(n^2) vs Counter."""

import random

SCALE = 500


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randrange(30) for _ in range(rng.randint(1, 3))] for _ in range(scale)]
    return {"args": [rows], "kwargs": {}}
