"""Mbpp/725: many quoted values: a per-character loop vs a regex."""

import random

SCALE = 20000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    words = _text(random.Random(seed), 6 * scale, "abcdefgh" * 6 + " ").split()
    return {"args": [" ".join(("x" if i % 3 else "yy") + ' "' + w + '"' for i, w in enumerate(words))], "kwargs": {}}
