"""Mbpp/760: one short float (cheap to hash) repeated: every solution scans the whole list; a float
makes the Python loops and set() pay more per element while sort() stays cheap."""

import random

SCALE = 200000


def generate(scale, seed):
    return {"args": [[random.Random(seed).randrange(1000) + 0.5] * scale], "kwargs": {}}
