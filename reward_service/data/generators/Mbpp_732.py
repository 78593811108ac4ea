"""Mbpp/732: many blanks, commas and dots: str.replace per character O(n^2) vs one pass."""

import random

SCALE = 160000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    return {"args": [_text(random.Random(seed), scale, 'abcdefghijklmnop ,.')], "kwargs": {}}
