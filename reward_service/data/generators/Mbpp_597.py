"""Mbpp/597: two long sorted arrays, the second wholly above the first, k = all but one: a Python merge
loop (or heapq.nsmallest) walks all k while sorted(a + b) sees one ascending run."""

import random
from array import array

SCALE = 9000


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
    rng = random.Random(seed)
    low = sorted(_ints(rng, scale, 0, 2 ** 29 - 1))
    high = sorted(_ints(rng, scale, 2 ** 29, 2 ** 30 - 1))
    return {"args": [low, high, 2 * scale - 1], "kwargs": {}}
