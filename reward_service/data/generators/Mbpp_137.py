"""Mbpp/137: three zeros to one non-zero: list.count(0) hits zeros by identity, generator sums yield
per zero (more zeros would tie the plain loop with sum(genexpr))."""

import random
from array import array

SCALE = 25000


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
    values = _ints(rng, scale, 1, 1000)
    zeros = _ints(rng, scale, 0, 99)
    return {"args": [[0 if z < 75 else v for v, z in zip(values, zeros)]], "kwargs": {}}
