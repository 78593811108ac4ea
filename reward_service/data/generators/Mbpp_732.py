"""Mbpp/732: a text that is mostly blanks, commas and dots: re.sub pays per match, str.replace per special char is O(n^2).

About 80% of the characters are specials (half of them blanks), the rest letters and
digits (an isalnum() solution must agree). re.sub (clusters 2-4) builds one segment per
match, so it falls behind the per-character generator expressions (clusters 5-6), as
in EvalPerf; str.replace/translate (clusters 7-9) stay one C pass each, and the loop that
calls s.replace once per special character (cluster 0) is quadratic.
"""

import random

SCALE = 100000

# 256 byte values -> characters: 128 blanks, 38 commas, 38 dots, 52 letters/digits
_TABLE = (" " * 128 + "," * 38 + "." * 38 + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST0123456789"[:52]).encode()


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [rng.randbytes(scale).translate(_TABLE).decode()], "kwargs": {}}
