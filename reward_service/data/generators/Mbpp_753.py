"""Mbpp/753: many records with distinct values, k = half.

Clusters 1 and 2 are all `sorted(records, key=lambda x: x[1])[:k]`: the same code, so no
input separates them (contrast 1.0x).
"""

import random
from array import array

SCALE = 17000


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


def _distinct(rng, n, bound):
    """n distinct integers in [0, bound), bound >= 10 n, in random order."""
    values = list(dict.fromkeys(_ints(rng, n + n // 4 + 16, 0, bound - 1)))
    if len(values) < n:
        return rng.sample(range(bound), n)
    return values[:n]


def generate(scale, seed):
    values = _distinct(random.Random(seed), scale, 10 * scale)
    return {"args": [[("r" + str(i), v) for i, v in enumerate(values)], scale // 2], "kwargs": {}}
