"""Mbpp/62: a long list of floats: Python loops and isinstance((int, float)) checks (a float fails the
int test first) vs min(); min() itself costs ~90 instructions an element, so ~10x is the cap."""

import random
from array import array

SCALE = 200000


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
    return {"args": [[x / 7 for x in _ints(rng, scale, -2 ** 31, 2 ** 31 - 1)]], "kwargs": {}}
