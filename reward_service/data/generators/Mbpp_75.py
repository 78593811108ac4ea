"""Mbpp/75: long tuples (200 elements), all but ~1% failing on their first element: early exits vs lists built in full."""

import random
from array import array

SCALE = 2000


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
    # long tuples, most of them failing on their first element: an early exit stops at once,
    # a list built before all() does not
    rng = random.Random(seed)
    k = rng.randint(2, 9)
    width = 200
    flat = [k * v for v in _ints(rng, width * scale, 1, 1000)]
    rows = list(zip(*[iter(flat)] * width))
    bad = _ints(rng, scale, 0, 99)
    return {"args": [[(r[0] + 1,) + r[1:] if b else r for r, b in zip(rows, bad)], k], "kwargs": {}}
