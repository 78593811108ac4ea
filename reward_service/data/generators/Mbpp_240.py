"""Mbpp/240: a long second list, the first a quarter as long: append per item vs extend.

The append loops (cluster 3) pay per item of list2; every solution pays the output
snapshot per item of both lists, and the concatenating solutions (clusters 4-6) copy
list1 too. A shorter list1 raises the contrast (3.9x at len1 = len2, 4.6x at len2/2,
5.0x at len2/3, 5.2x at len2/4, 5.6x at len2/8) but the copies of list1 are what keeps
the concatenations dearer than the in-place resizes: below len1 ~ len2/6 `list1 + list2`
(cluster 6) costs less than pop() and extend() (cluster 8), and `list1[:-1] + list2`
(cluster 5) less than `list1[-1:] = list2` (cluster 7), so the ranking flips (108/144 at
len2/8). At len2/4 they are 2.5% and 5% dearer. Both lists are ordinary lists of ints:
any caller may pass a first list shorter than the second.
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
    return {"args": [_ints(rng, max(1, scale // 4), 0, 2 ** 32 - 1), _ints(rng, scale, 0, 2 ** 32 - 1)], "kwargs": {}}
