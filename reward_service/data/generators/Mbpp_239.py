"""Mbpp/239: n one past m's bit length (no sequence fits): the DP tables still do O(m n) or O(m^2 n)
work, the bounded recursions (cluster 9) stop at once.

Every cluster-9 solution checks m < 2^(n-1) (directly or through m // 2^(n-1) == 0) and
returns 0 in O(1); the O(m n) tables (clusters 7-8) fill all m n cells and the triple
loops (cluster 6, and #21 of cluster 7) do O(m^2 n). Any n <= bit_length(m) instead makes
the lru_cache solutions of cluster 9 loop to m from every state (quadratic), so this is
the only regime where EvalPerf's ranking holds. The fastest solutions therefore run only
a few thousand instructions (below the 1e5 guideline): nothing in them scales.
m ~ 500 keeps the O(m^2 n) loops under 1e9 instructions.
"""

import random

SCALE = 500


def generate(scale, seed):
    rng = random.Random(seed)
    m = scale + rng.randrange(max(1, scale // 10))
    return {"args": [m, m.bit_length() + 1], "kwargs": {}}
