"""Mbpp/265: more strides than items (n = len + 1): per-stride overhead decides, where list
comprehensions pay a function call each.

With n > len(lst) every sublist holds at most one item, so the cost is per stride: a
comprehension per stride (clusters 1-2) > an append loop per stride (cluster 3) >
enumerate/modulo or one slice per stride (clusters 4-5), as EvalPerf ranks them; with
n << len (the old input) the comprehensions beat the append loops instead. len % n != 0
makes #7's trimming pass run. Contrast stays ~3x: every solution builds n lists and the
output snapshot costs the same for all. Solution #0 of cluster 1 is the cluster-5 slice
code verbatim (EvalPerf noise): its 11 pairs cannot agree.
"""

import random
from array import array

SCALE = 30000


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
    return {"args": [_ints(random.Random(seed), scale, 0, 255), scale + 1], "kwargs": {}}
