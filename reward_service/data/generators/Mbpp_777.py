"""Mbpp/777: list.index per item O(n^2) vs set."""

import random

SCALE = 1300


def generate(scale, seed):
    rng = random.Random(seed)
    values = list(range(scale))
    rng.shuffle(values)
    values[: scale // 20] = [rng.randrange(scale) for _ in range(scale // 20)]
    return {"args": [values], "kwargs": {}}
