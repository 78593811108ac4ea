"""Mbpp/440: one-letter words one space apart (every position a word boundary), the only adverb at the
end: cluster 2's boundary-anchored pattern with groups passes the boundary test and marks a group at
every position before failing, cluster 3's plain pattern just fails.

The clusters do the same scan, so they differ by ~1.3x only. Long words invert them: the plain
pattern backtracks from every position inside a word (quadratic per word) while the
boundary-anchored one tries each word once (14x the other way at the old input).
"""

import random

SCALE = 200000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    letters = _text(random.Random(seed), scale, "abcdefghijkmnopqrstuvwxz")
    return {"args": [" ".join(letters) + " quickly"], "kwargs": {}}
