"""Mbpp/239: m large: enumerating sequences vs an O(m n) table."""

import random

SCALE = 75


def generate(scale, seed):
    rng = random.Random(seed)
    m = scale + rng.randrange(max(1, scale // 10))
    return {"args": [m, max(2, m.bit_length() // 2)], "kwargs": {}}
