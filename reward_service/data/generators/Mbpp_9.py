"""Mbpp/9: no rotation period (answer n): per-rotation string building O(n^2) in Python vs slicing."""

import random

SCALE = 400


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=scale - 1)) + "#"], "kwargs": {}}
