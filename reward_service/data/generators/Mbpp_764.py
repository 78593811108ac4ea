"""Mbpp/764: a long text of digits only: re.findall builds one match string per character (its slow
path), the loops pay one isdigit call per character."""

import random

SCALE = 100000


def _text(rng, n, alphabet):
    """n characters of alphabet, drawn at C speed."""
    table = bytes(alphabet.encode()[i % len(alphabet)] for i in range(256))
    return rng.randbytes(n).translate(table).decode()


def generate(scale, seed):
    return {"args": [_text(random.Random(seed), scale, '0123456789')], "kwargs": {}}
