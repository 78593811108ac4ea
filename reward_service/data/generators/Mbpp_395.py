"""Mbpp/395: every character repeats but the last: str.count per character O(n^2) vs one dict."""

import random

SCALE = 14000


def generate(scale, seed):
    rng = random.Random(seed)
    body = list("abcdefghijklmnopqrstuvwxyz" * (scale // 26 + 1))
    rng.shuffle(body)
    return {"args": ["".join(body) + "".join(body[:52]) + "#"], "kwargs": {}}
