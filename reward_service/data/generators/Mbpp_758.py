"""Mbpp/758: many sublists: list.count per sublist O(n^2) vs Counter.

Clusters 4-7 hold identical dict-counting loops (equal counts, so their pairs tie), and
`return Counter(...)` pays for encoding a Counter; larger scales or fewer distinct sublists
raise the contrast (176x at 1500) but lose ordering pairs, so the scale stays at 500 (49x).
"""

import random
from array import array

SCALE = 500


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
    flat = _ints(random.Random(seed), 2 * scale, 0, 29)
    return {"args": [list(map(list, zip(*[iter(flat)] * 2)))], "kwargs": {}}
