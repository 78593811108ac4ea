"""Mbpp/106: a long tuple and a short list: list(tuple) + list + tuple() copies the tuple three times
vs tuple + tuple(list) once (every cluster is a linear C copy and the output copy is a floor: ~2x is
the cap)."""

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
    return {"args": [_ints(rng, 3, 0, 2 ** 32 - 1), tuple(_ints(rng, scale, 0, 2 ** 32 - 1))], "kwargs": {}}
