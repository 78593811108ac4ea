"""Mbpp/775: a long list whose first even number at an odd index comes early (index ~2*scale): clusters
that build the whole list of checks or type-check every element first pay for all of it, the loops
stop there."""

SCALE = 4000


def generate(scale, seed):
    n = 250 * scale  # the list: odd numbers at odd indexes up to the early even one
    stop = 2 * (scale + seed % 97) + 1
    values = [7, 3] * (n // 2)
    values[stop] = 4
    return {"args": [values], "kwargs": {}}
