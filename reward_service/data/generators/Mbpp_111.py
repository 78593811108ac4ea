"""Mbpp/111: sum(lists, []) and list membership O(n^2) vs set intersection."""

import random

SCALE = 800


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [rng.sample(range(2 * scale), scale) for _ in range(6)]
    return {"args": [rows], "kwargs": {}}
