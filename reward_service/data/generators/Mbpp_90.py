"""Mbpp/90: many words: a Python loop calling max() per word vs max(words, key=len) (every cluster is
one linear pass with len() O(1); the per-word cost ratio, ~6x, is the cap)."""

import random

SCALE = 50000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    words = _text(random.Random(seed), 7 * scale, "abcdefghij" * 6 + " ").split()
    return {"args": [words], "kwargs": {}}
