"""Mbpp/128: a long sentence: Python loops vs split and filter."""

import random

SCALE = 12500


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    words = _text(random.Random(seed), 6 * scale, "abcdefghij" * 5 + " ").split()
    return {"args": [4, " ".join(words)], "kwargs": {}}
