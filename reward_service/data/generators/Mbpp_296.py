"""Mbpp/296: a random permutation: all pairs O(n^2) vs merge sort."""

import random

SCALE = 600


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [rng.sample(range(10 * scale), scale)], "kwargs": {}}
