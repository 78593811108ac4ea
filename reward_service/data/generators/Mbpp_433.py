"""Mbpp/433: a long list of floats that the number beats: full scans.

Floats are numbers as much as ints are (the task: "the entered number is greater than the
elements of the given array"; MBPP+'s reference is a comparison per element), and they
exercise the slow paths: the for loops' `num <= element` (a compare then a jump) runs the
interpreter's float-specialized compare, while the clusters' generator expressions
(`all(num > x for x in arr)`, a compare then a yield) go through the generic rich compare,
and the validating solutions' `isinstance(x, (int, float))` tries int first. Elements are
random with fractional parts (ints / 1024), all below the number: 7.4x (4.6x with ints).
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
    values = list(map((1 / 1024).__mul__, _ints(random.Random(seed), scale, -2 ** 31, 2 ** 31 - 1)))
    return {"args": [values, 2.0 ** 21], "kwargs": {}}
