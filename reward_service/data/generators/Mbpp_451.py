"""Mbpp/451: a long text with a blank only every ~80 characters, so nearly every character is appended:
+= per character vs str.replace."""

import random

SCALE = 400000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    letters = "abcdefghijklmnopqrstuvwxyz" * 3 + " "  # a blank every ~80 characters
    return {"args": [_text(random.Random(seed), scale, letters)], "kwargs": {}}
