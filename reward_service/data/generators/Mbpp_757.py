"""Mbpp/757: all pairs O(n^2) vs a dict O(n)."""

import random
from array import array

SCALE = 320


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


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    rng = random.Random(seed)
    words = [w for w in _text(rng, 7 * scale, "abcdefghijklmnopqrstuvwxyz").split("z") if w]
    words = words[:scale]
    flips = _ints(rng, len(words), 0, 9)
    picks = _ints(rng, len(words), 0, len(words) - 1)
    out = [words[p][::-1] if f < 3 else w for w, f, p in zip(words, flips, picks)]
    return {"args": [out], "kwargs": {}}
