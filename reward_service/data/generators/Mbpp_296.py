"""Mbpp/296: distinct values in descending order: all pairs O(n^2), every pair an inversion, vs merge sort.

Descending, every pair of the O(n^2) loops takes the increment, while each merge of the
merge sorts takes the right half first and extends the left in C (about half the
comparisons of a random order): n ~ 2200 keeps the pair loops under 2e9 instructions.
"""

import random
from array import array

SCALE = 2200


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
    return {"args": [sorted(_distinct(random.Random(seed), scale, 10 * scale), reverse=True)], "kwargs": {}}
