"""Mbpp/740: a long tuple whose keys are all equal (and values few small ints): the dict stays tiny, so
nothing is spent on hashing or encoding a big answer; per-pair Python loops with bounds checks or
indexing pay for every pair, dict(zip(slices)) stays in C."""

SCALE = 200000


def generate(scale, seed):
    pairs = (0, 1) * (scale - 1) + (0, 2 + seed % 50)
    return {"args": [pairs], "kwargs": {}}
