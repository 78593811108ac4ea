"""Mbpp/757: all pairs O(n^2) vs a dict O(n)."""

import random
import string

SCALE = 320


def generate(scale, seed):
    rng = random.Random(seed)
    words = []
    for _ in range(scale):
        if words and rng.random() < 0.3:
            words.append(rng.choice(words)[::-1])
        else:
            words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(6)))
    rng.shuffle(words)
    return {"args": [words], "kwargs": {}}
