"""Mbpp/755: a long list of few distinct small ints in random order plus one float (so sorting it takes the generic comparison path): sorting the whole list or looping over it in Python costs far more than sorted(set()), whose set is tiny.

One cluster-1 solution (set, a comprehension over the set, sorted) only pays per distinct value, so it
counts like cluster 5 here; only a list of ~n distinct values would rank it, and that makes every
solution sort n values (contrast ~1-2x).
"""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    values = list(rng.randbytes(scale).translate(bytes(i % 50 for i in range(256))))
    values[rng.randrange(scale)] = 99.5
    return {"args": [values], "kwargs": {}}
