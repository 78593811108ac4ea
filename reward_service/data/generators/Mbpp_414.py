"""Mbpp/414: the common value ends the first sequence and starts the second.

Nested loops without a break do O(n m); a scan of the second sequence stops at once.
"""

import random

SCALE = 500


def generate(scale, seed):
    rng = random.Random(seed)
    values = rng.sample(range(100 * scale), 2 * scale + 1)
    first, second, common = values[:scale], values[scale:2 * scale], values[-1]
    return {"args": [first + [common], [common] + second], "kwargs": {}}
