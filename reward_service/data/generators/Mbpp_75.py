"""Mbpp/75: tuples mostly divisible by k: every element is tested."""

import random

SCALE = 5000


def generate(scale, seed):
    rng = random.Random(seed)
    k = rng.randint(2, 9)
    rows = []
    for _ in range(scale):
        row = [k * rng.randint(1, 1000) for _ in range(rng.randint(3, 6))]
        if rng.random() < 0.3:
            row[-1] += 1
        rows.append(tuple(row))
    return {"args": [rows, k], "kwargs": {}}
