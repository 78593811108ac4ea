"""Mbpp/740: a long tuple whose keys are all equal (and values few small ints): the dict stays tiny, so
nothing is spent on hashing or encoding a big answer; per-pair Python loops with bounds checks or
indexing pay for every pair, dict(zip(slices)) stays in C.

Every solution pays a dict store per pair. String keys (hash cached, the str-keys lookup)
take 30 instructions a pair off every solution (the top cluster: 298 -> 268 a pair) and
give 4.4x; None keys 4.1x. Neither reaches 5x (the rest of the top cluster's pair is the
slicing and zip, which no input changes), so the int keys stay (4.1x).
"""

SCALE = 200000


def generate(scale, seed):
    pairs = (0, 1) * (scale - 1) + (0, 2 + seed % 50)
    return {"args": [pairs], "kwargs": {}}
