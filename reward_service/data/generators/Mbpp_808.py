"""Mbpp/808: k is absent: every solution scans the whole tuple.

The `k in tup` clusters (4-5) and the Python loop (3) make the same comparison per item;
the contrast is the loop's overhead (~3.7x). Ints over 2**30 keep the loop off the
specialized int compare (small ints give 2.7x); one-item lists, one-item tuples or
one-byte bytes against an empty k (compares that end at the lengths) give 3.1-3.2x.
"""

import random
from array import array

SCALE = 363000


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


def generate(scale, seed):
    return {"args": [tuple(_ints(random.Random(seed), scale, 0, 2 ** 32 - 1)), -1], "kwargs": {}}
