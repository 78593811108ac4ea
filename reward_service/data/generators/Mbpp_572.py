"""Mbpp/572: mostly distinct numbers: list.count per item O(n^2) vs Counter."""

import random

SCALE = 500


def generate(scale, seed):
    rng = random.Random(seed)
    values = list(range(scale))
    rng.shuffle(values)
    values[: scale // 20] = [rng.randrange(scale) for _ in range(scale // 20)]
    return {"args": [values], "kwargs": {}}
