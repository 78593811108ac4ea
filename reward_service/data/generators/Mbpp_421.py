"""Mbpp/421: a long tuple of one-letter strings: a Python loop with += per element vs join.

CPython grows `result += ...` in place, so the loops are O(n) too; the contrast is the
per-element overhead only, largest with the shortest elements (one letter, no '-', so
the rstrip('-') solutions agree): 3.9x here, 3x with mixed numbers and words. No
input makes the += loops quadratic.
"""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    table = bytes(b"abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(256))
    return {"args": [tuple(rng.randbytes(scale).translate(table).decode())], "kwargs": {}}
