"""Mbpp/440: one-letter words one space apart (every position a word boundary), the only adverb at the end: `\b(\w+ly)` (cluster 2) tries every position (boundary checks at the spaces too), `\w+ly` skips to word characters and fails each one-letter word at once.

Long words invert the clusters: `\w+ly` backtracks from every position inside a word
(quadratic per word) while `\b` tries each word once.
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
