"""Mbpp/586: a long list split in the middle.

EvalPerf has one cluster only (6), every solution is `arr[n:] + arr[:n]`: no ordering
to show and no input separates them (contrast 1.0x).
"""

import random
from array import array

SCALE = 163000


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
    return {"args": [_ints(rng, scale, -2 ** 31, 2 ** 31 - 1), scale // 2], "kwargs": {}}
