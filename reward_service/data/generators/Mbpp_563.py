"""Mbpp/563: long plain prose with a short quoted word every 3000 characters: per-character loops
(worst: while + index outside the quotes) vs a regex prefix scan (a few instructions a character) vs
str.find (memchr) per value."""

import random

SCALE = 200


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    rng = random.Random(seed)
    gap, width = 3000, 6
    prose = _text(rng, gap * scale, "abcdefghijklmnopqrstuvwxyz    ,.")
    words = _text(rng, width * scale, "abcdefghijklmnopqrstuvwxyz")
    parts = []
    for i in range(scale):
        parts.append(prose[gap * i:gap * (i + 1)])
        parts.append('"' + words[width * i:width * (i + 1)] + '"')
    parts.append(prose[:gap])
    return {"args": ["".join(parts)], "kwargs": {}}
