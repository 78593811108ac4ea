"""Mbpp/12: many long rows of small ints with distinct sums: per-element validation in Python vs
sorted(key=sum) (every run also pays the marshal snapshot of its nested-list output, ~200
instructions an element, so ~5x is the cap; numpy clusters fail where numpy is absent)."""

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
    flat = _ints(random.Random(seed), 40 * scale, 0, 2 ** 24)
    rows = list(map(list, zip(*[iter(flat)] * 40)))
    seen = set()
    for row in rows:  # distinct sums: a tie would let sorts that compare rows disagree with stable ones
        while sum(row) in seen:
            row[0] += 1
        seen.add(sum(row))
    return {"args": [rows], "kwargs": {}}
