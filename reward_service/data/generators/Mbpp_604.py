"""Mbpp/604: many one-letter words (split and join cost least per word): join(reversed(words)) first
lists the iterator item by item, a [::-1] slice copies in one C loop.

Both clusters split and join the same words, so they differ by a small factor only.
"""

import random

SCALE = 300000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    return {"args": [" ".join(_text(random.Random(seed), scale, "abcdefghijklmnopqrstuvwxyz"))], "kwargs": {}}
