"""Mbpp/428: Shell's worst case: n a power of two, large values at even and (mostly) small at odd
positions: halving gaps O(n^2) vs Knuth's gaps.

With n = 2^k every halving gap but the last is even, so those passes never compare an
even with an odd position; the final gap-1 pass then moves each small value past all
the large ones before it (~n^2/8 shifts). Knuth's 3x+1 gaps (cluster 6) include odd
gaps and mix the two halves early. Clusters 3-4 are the same halving code.
"""

import random
from array import array

SCALE = 4096


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
    n = 1 << max(1, scale.bit_length() - 1)  # the largest power of two <= scale
    k = n // 2 * 4 // 5  # 80% of the odd positions small: ~n^2/10 shifts, under 2e9 at n = 4096
    small = _ints(rng, k, 0, 2 ** 30 - 1) + _ints(rng, n // 2 - k, 2 ** 30, 2 ** 31 - 1)
    rng.shuffle(small)
    large = _ints(rng, n // 2, 2 ** 30, 2 ** 31 - 1)
    arr = [0] * n
    arr[0::2] = large
    arr[1::2] = small
    return {"args": [arr], "kwargs": {}}
