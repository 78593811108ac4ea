"""Mbpp/129: a true magic square of odd order: every row, column and diagonal is summed."""

import random

SCALE = 202


def generate(scale, seed):
    rng = random.Random(seed)
    n = scale if scale % 2 else scale + 1
    square = [[0] * n for _ in range(n)]
    i, j = 0, n // 2
    for k in range(1, n * n + 1):
        square[i][j] = k
        ni, nj = (i - 1) % n, (j + 1) % n
        if square[ni][nj]:
            ni, nj = (i + 1) % n, j
        i, j = ni, nj
    shift = rng.randint(0, 100)
    return {"args": [[list(map(shift.__add__, row)) for row in square]], "kwargs": {}}
