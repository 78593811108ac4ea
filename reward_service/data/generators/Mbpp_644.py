"""Mbpp/644: reverse the first quarter of a long list: a Python swap loop vs slices.

k = n/4, not n: the slice-and-concatenate solutions (clusters 9-10) copy the whole list
(tail included) while slice assignment (clusters 11-14) touches only the first k items;
with k = n they came out fastest, against EvalPerf's ranking. k above ~0.27 n flips
concat vs reversed-assignment again; the swap loops (clusters 6-7) stay ~5x slower.
All fast clusters are O(n) C copies, so the contrast is loop-vs-C only (~5x here,
10x at k = n at the cost of ~77 misordered pairs).
"""

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
    return {"args": [_ints(rng, scale, -2 ** 31, 2 ** 31 - 1), max(1, scale // 4)], "kwargs": {}}
