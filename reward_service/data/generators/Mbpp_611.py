"""Mbpp/611: 2000 rows of 1500 columns: zip(*matrix) builds every column (O(rows*cols)) vs reading one column (O(rows)).

Small values (cached ints) keep the 3M-cell matrix cheap to hold.
"""

import random
from array import array

SCALE = 2000

_COLS = 1500


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
    flat = _ints(random.Random(seed), _COLS * scale, 0, 255)
    return {"args": [list(map(list, zip(*[iter(flat)] * _COLS))), 2], "kwargs": {}}
