"""Mbpp/16: a long matching string: the regex scans all of it."""

import random

SCALE = 200000


def generate(scale, seed):
    rng = random.Random(seed)
    words = []
    size = 0
    while size < scale:
        word = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(1, 8)))
        words.append(word)
        size += len(word) + 1
    return {"args": ["_".join(words)], "kwargs": {}}
