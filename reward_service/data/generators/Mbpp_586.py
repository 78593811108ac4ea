"""Mbpp/586: a long list split in the middle."""

import random

SCALE = 400000


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randint(-10 ** 6, 10 ** 6) for _ in range(scale)]
    return {"args": [values, scale // 2], "kwargs": {}}
