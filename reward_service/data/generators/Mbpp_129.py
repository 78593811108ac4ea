"""Mbpp/129: a big magic square broken in an early row (diagonals intact): checks that stop at the
first bad row sum vs every row/column/diagonal sum computed (or every cell type-checked)."""

import random

SCALE = 1001


def generate(scale, seed):
    rng = random.Random(seed)
    n = scale | 1
    while n % 3 == 0:
        n += 2
    # n odd, not a multiple of 3: n*((i+2j)%n) + (2i+j)%n + 1 is magic (rows, columns, both diagonals)
    base = rng.randint(0, 100) + 1
    square = [[n * ((i + 2 * j) % n) + (2 * i + j) % n + base for j in range(n)] for i in range(n)]
    k = 4  # the first bad row; its bad cell sits off both diagonals, in a column checked only later
    j = n // 2 + 1 if n // 2 + 1 not in (k, n - 1 - k) else n // 2 + 2
    square[k][j] += 1
    return {"args": [square], "kwargs": {}}
