"""Mbpp/588: a long list of ints: validation loops vs max() and min().

The slowest passing cluster (2) runs `all(isinstance(x, (int, float)) for x in nums)`
before max() and min(); the top cluster is max() and min() alone, ~94 instructions an
item each. Floats would make the isinstance check costlier, but cluster 3 rejects
anything but ints (MBPP+'s inputs here are all ints). The cheapest int compare is between
ints of different digit counts: one-digit items (|x| < 2**30) with a two-digit maximum
and minimum at the front reach 4.94x (18.1M against 89.4M), not 5x, so the plain random
ints stay (4.8x).
"""

import random
from array import array

SCALE = 100000


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
    return {"args": [_ints(rng, scale, -2 ** 31, 2 ** 31 - 1)], "kwargs": {}}
