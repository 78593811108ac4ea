"""Mbpp/440: the only adverb is at the end: the regex scans every word."""

import random

SCALE = 50000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    text = _text(random.Random(seed), scale, "abcdefghijkmnopqrstuvwx" * 2 + " ")
    return {"args": [" ".join(text.split()) + " quickly"], "kwargs": {}}
