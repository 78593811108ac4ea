"""Mbpp/766: a long list of None (the cheapest items to check in the answer): indexing loops (with bounds re-checks) vs zip in C.

Every cluster builds the same n-1 pair tuples and the answer holds them all, so the contrast is
bounded by the per-pair cost of the interpreted loop over tuple building plus encoding.
"""

SCALE = 100000


def generate(scale, seed):
    return {"args": [[None] * (scale + seed % 7)], "kwargs": {}}
