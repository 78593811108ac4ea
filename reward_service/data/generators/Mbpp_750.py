"""Mbpp/750: a list and a four times longer tuple of None (the cheapest items to copy and to check in
the answer): append per item in Python vs list copies vs one extend in C.

Every non-loop cluster is a few C copies of the same items, so those clusters differ by
small factors only; the append loops are the slow path.
"""

SCALE = 200000


def generate(scale, seed):
    return {"args": [[None] * (scale // 4 + seed % 7), (None,) * scale], "kwargs": {}}
