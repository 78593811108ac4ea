"""Mbpp/414: the common value sits at index `scale` of a long first list and at the front of a short second list.

Scanning the second list (`x in seq1`) stops after `scale` C comparisons (cluster 8); scanning
the first (`i in seq2`) pays scale * len(seq2) C comparisons (7); sets hash all of seq1, which is
sized between the two (~0.75 * scale * len(seq2)) (5-6); nested Python loops pay scale * len(seq2)
interpreted comparisons (4), or all len(seq1) * len(seq2) without a break (1).
"""

import random
from array import array

SCALE = 2500


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
    m = 20
    n = 15 * scale
    values = _distinct(random.Random(seed), n + m, 100 * (n + m))
    first, second = values[:n], values[n:]
    second[0] = first[scale]
    return {"args": [first, second], "kwargs": {}}
