"""Mbpp/744: no None: every solution scans the whole tuple.

`None in t` (clusters 4-5) and the Python loops/generators (clusters -1-2) all scan every item;
the contrast is the interpreter's per-item overhead (~7x); the item type barely moves it.
"""

import random
from array import array

SCALE = 135000


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
    return {"args": [tuple(_ints(random.Random(seed), scale, 0, 2 ** 32 - 1))], "kwargs": {}}
