"""Mbpp/140: many long lists of few distinct numbers: sum(lists, []) O(n^2) and per-element Python
loops vs set.update per list."""

import random
from array import array

SCALE = 1000


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
    # scale lists of 100 numbers out of 1000: the result set stays small, so the per-element
    # Python work (loops, comprehensions) and sum()'s quadratic copying dominate
    flat = _ints(random.Random(seed), 100 * scale, 0, 999)
    return {"args": [[flat[i:i + 100] for i in range(0, len(flat), 100)]], "kwargs": {}}
