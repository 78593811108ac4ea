"""Mbpp/137: zeros among non-zeros: generator sums vs list.count."""

import random

SCALE = 25000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [0 if rng.random() < 0.2 else rng.randint(-1000, 1000) or 1 for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
