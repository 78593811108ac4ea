"""Mbpp/226: a Python loop of += vs one slice."""

import random
import string

SCALE = 150000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    return {"args": [_text(random.Random(seed), scale, string.ascii_letters)], "kwargs": {}}
