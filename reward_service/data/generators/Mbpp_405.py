"""Mbpp/405: the element is absent: every solution scans the whole tuple.

Clusters 2 and 3 both evaluate `element in tuplex` (one through if/else, one returned
directly): the same C scan, so no input separates them (contrast 1.0x).
"""

import random
from array import array

SCALE = 114000


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
