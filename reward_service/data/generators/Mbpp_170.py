"""Mbpp/170: a short range in a long list: whole-list validation loops vs the sum of a slice."""

import random
from array import array

SCALE = 24000


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
    # a short range in a long list: validating the whole list is O(len), summing the slice is not
    rng = random.Random(seed)
    start = rng.randint(scale // 3, scale // 2)
    return {"args": [_ints(rng, scale, -1000, 1000), start, start + max(1, scale // 100)], "kwargs": {}}
