"""Mbpp/753: many records with distinct values, k = half."""

import random

SCALE = 25000


def generate(scale, seed):
    rng = random.Random(seed)
    values = rng.sample(range(10 * scale), scale)
    return {"args": [[("r" + str(i), v) for i, v in enumerate(values)], scale // 2], "kwargs": {}}
