"""Mbpp/240: a long second list, the first half as long: append per item vs extend.

The append loops (cluster 3) pay per item of list2; every solution pays the output
snapshot per item of both lists. A shorter list1 raises the contrast but below
len1 ~ len2/5 the copies of list1 by the concatenating solutions (clusters 4-6) cost less
than the in-place resizes of the fastest (clusters 7-8) and the ranking flips: len1 =
len2/2 keeps a ~4% margin (contrast 4.7x; 3.9x at len1 = len2).
"""

import random
from array import array

SCALE = 70000


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
    return {"args": [_ints(rng, max(1, scale // 2), 0, 2 ** 32 - 1), _ints(rng, scale, 0, 2 ** 32 - 1)], "kwargs": {}}
