"""Mbpp/755: a long list of few distinct small ints in random order: sorting the whole list (n log n)
or looping over it in Python (type checks, comparisons) costs far more than sorted(set()), whose set
is tiny.

One cluster-1 solution (set, a comprehension over the set, sorted) only pays per distinct value, so it
counts like cluster 5 here; only a list of ~n distinct values would rank it, and that makes every
solution sort n values (contrast ~1-2x). One float in the list (generic comparisons in every sort)
doubles the contrast (22x) but ranks the sorting cluster-2 solutions below a cluster-0 loop.
"""

import random

SCALE = 100000


def generate(scale, seed):
    rng = random.Random(seed)
    values = list(rng.randbytes(scale).translate(bytes(i % 50 for i in range(256))))
    values[rng.randrange(scale)] = 99
    return {"args": [values], "kwargs": {}}
