"""Mbpp/11: scan every character vs find/rfind."""

import random
import string

SCALE = 150000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [_text(rng, scale, string.ascii_lowercase), rng.choice("aeiou")], "kwargs": {}}
