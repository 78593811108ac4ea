"""Mbpp/9: no rotation period (answer n): per-rotation string building O(n^2) in Python vs slicing."""

import random

SCALE = 400


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    return {"args": [_text(random.Random(seed), scale - 1, "abcdefghijklmnopqrstuvwxyz") + "#"], "kwargs": {}}
