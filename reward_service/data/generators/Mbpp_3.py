"""Mbpp/3: a prime: trial division to n vs to sqrt(n)."""

import random

SCALE = 170000


def _is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    i = 3
    while i * i <= n:
        if n % i == 0:
            return False
        i += 2
    return True


def generate(scale, seed):
    rng = random.Random(seed)
    n = scale + rng.randrange(max(1, scale // 10))
    while not _is_prime(n):
        n += 1
    return {"args": [n], "kwargs": {}}
