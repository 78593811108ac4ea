"""Mbpp/166: all pairs O(n^2) vs parity counts O(n)."""

import random

SCALE = 400


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [[rng.randrange(10 ** 9) for _ in range(scale)]], "kwargs": {}}
