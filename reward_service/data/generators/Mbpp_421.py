"""Mbpp/421: a long tuple of one-letter strings: a Python loop with += per element vs join.

CPython grows `result += ...` in place, so the loops are O(n) too; the contrast is the
per-element overhead only, largest with the shortest elements (one letter, no '-', so
the rstrip('-') solutions agree): 3.9x here, 3x with mixed numbers and words. No
input makes the += loops quadratic.
"""

import random
from array import array

SCALE = 100000


def _ints(rng, n, lo, hi):
    """n integers in [lo, hi], drawn at C speed: the generator runs under the meter too."""
    span = hi - lo + 1
    if span == 2 ** 32 and lo in (0, -2 ** 31):
        return list(array("I" if lo == 0 else "i", rng.randbytes(4 * n)))
    if span <= 256:
        values = list(rng.randbytes(n).translate(bytes(i % span for i in range(256))))
    else:
        values = list(map(span.__rmod__, array("Q", rng.randbytes(8 * n))))
    return values if lo == 0 else list(map(lo.__add__, values))


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    rng = random.Random(seed)
    table = bytes(b"abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(256))
    return {"args": [tuple(rng.randbytes(scale).translate(table).decode())], "kwargs": {}}
