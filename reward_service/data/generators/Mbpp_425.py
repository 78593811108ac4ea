"""Mbpp/425: many sublists, each holding the element at most once: Python loops vs `in`."""

import random
from array import array

SCALE = 20000


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
    # values of a sublist are distinct (one from each of 0-12, 13-25, 26-38, 39-51), as in
    # EvalPerf's input: cluster-2 solutions count occurrences, not sublists
    flat = _ints(random.Random(seed), 4 * scale, 0, 12)
    rows = [[a, b + 13, c + 26, d + 39] for a, b, c, d in zip(*[iter(flat)] * 4)]
    return {"args": [rows, 7], "kwargs": {}}
