"""Mbpp/456: a few very long non-Latin strings: ''.join(reversed(s)) makes a new one-character string
per character, s[::-1] copies in C.

Long strings amortize the per-string overhead; CJK characters (outside the cached Latin-1
singletons) make the reversed() iterator allocate a str object per character, while the
slice reverses the UCS-2 buffer directly. Clusters 3-4 differ only in that per-character
cost (ASCII strings: 15x, CJK: 23x).
"""

import random

SCALE = 2000000

_LEN = 20000
_CJK = str.maketrans("abcdefghijklmnop", "一二三四五六七八九十百千万亿兆京")


def generate(scale, seed):
    rng = random.Random(seed)
    table = bytes(b"abcdefghijklmnop"[i % 16] for i in range(256))
    text = rng.randbytes(scale).translate(table).decode().translate(_CJK)
    return {"args": [[text[i:i + _LEN] for i in range(0, scale, _LEN)]], "kwargs": {}}
