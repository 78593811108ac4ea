"""Mbpp/424: many strings: checks and appends vs a comprehension."""

import random

SCALE = 100000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    words = _text(random.Random(seed), 7 * scale, "abcdefghij" * 6 + " ").split()
    return {"args": [tuple(words)], "kwargs": {}}
