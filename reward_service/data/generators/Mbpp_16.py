"""Mbpp/16: a long matching string: the regex scans all of it (near-equivalent clusters: on 3.11
re.search with ^ costs what re.match costs, and split + islower/isalpha vs the regex are both linear
C scans; no input found beats ~3.6x or reorders c3 below c5)."""

import random

SCALE = 200000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    words = _text(random.Random(seed), scale, "abcdefghijklmnopqrstuvwxyz" * 3 + " ").split()
    return {"args": ["_".join(words)], "kwargs": {}}
