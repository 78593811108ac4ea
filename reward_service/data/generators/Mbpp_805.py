"""Mbpp/805: a few long lists of small ints plus one short winning list at the end: clusters that
type-check every element in Python (or sum each list twice) pay per element, max(key=sum) sums each
list once in C; the answer is short, so encoding it costs nothing."""

import random

SCALE = 40


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [list(rng.randbytes(5000)) for _ in range(scale)]
    rows.append([10 ** 9, rng.randrange(100)])
    return {"args": [rows], "kwargs": {}}
