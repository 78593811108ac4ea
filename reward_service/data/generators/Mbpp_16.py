"""Mbpp/16: a long matching string: the regex scans all of it."""

import random

SCALE = 200000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    words = _text(random.Random(seed), scale, "abcdefghijklmnopqrstuvwxyz" * 3 + " ").split()
    return {"args": ["_".join(words)], "kwargs": {}}
