"""Mbpp/720: a long tuple of None (the cheapest item to encode in the answer): list round trips (two or
three copies) vs one tuple concatenation.

Every cluster copies the tuple in C, so the contrast stays near 1x whatever the input: the
answer (the whole tuple plus the dict, encoded item by item) costs about as much as a copy.
"""

SCALE = 400000


def generate(scale, seed):
    return {"args": [(None,) * scale, {"a": 1, "seed": seed}], "kwargs": {}}
