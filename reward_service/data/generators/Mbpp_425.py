"""Mbpp/425: very many one-item sublists: a generator expression + any() per sublist vs one `in` per sublist.

All clusters are O(total items); what separates them is the per-sublist overhead: any()
over a fresh generator expression (cluster 1) costs ~10x the plain `for ... if x in
sublist` loop (cluster 4), and longer sublists only dilute that (500-item rows: 6x;
4-item rows: 7.7x). The element sits in about one sublist in eight; the values are
distinct per sublist (cluster-2 solutions count occurrences).
"""

import random

SCALE = 300000

_ROW = 1


def generate(scale, seed):
    rng = random.Random(seed)
    pool = list(range(1, 4 * _ROW + 8))
    rng.shuffle(pool)
    pool += pool[:_ROW]
    rows = []
    for _ in range(max(1, scale // _ROW)):
        start = rng.randrange(3 * _ROW)
        row = pool[start:start + _ROW]
        if rng.randrange(8) == 0:
            row[rng.randrange(_ROW)] = 0
        rows.append(row)
    return {"args": [rows, 0], "kwargs": {}}
