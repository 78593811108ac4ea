"""Mbpp/129: an odd-order magic square but for its last cell: early exits after the row sums vs every sum computed."""

import random

SCALE = 101


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
    square = [list(map(shift.__add__, row)) for row in square]
    square[-1][-1] += 1  # magic but for the last cell: checks that stop at the first bad sum do n row sums
    return {"args": [square], "kwargs": {}}
