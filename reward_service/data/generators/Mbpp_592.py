"""Mbpp/592: n large: factorials per term O(n^2) big-int products vs one product."""

import random

SCALE = 150


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [scale + rng.randrange(max(1, scale // 10))], "kwargs": {}}
