"""Mbpp/754: three long lists, mostly equal: tuples and all() vs chained ==."""

import random

SCALE = 6250


def generate(scale, seed):
    rng = random.Random(seed)
    a = [rng.randrange(1000) for _ in range(scale)]
    b = [v if rng.random() < 0.7 else v + 1 for v in a]
    c = [v if rng.random() < 0.7 else v + 2 for v in a]
    return {"args": [a, b, c], "kwargs": {}}
