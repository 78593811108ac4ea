"""Performance-input generators for EvalPerf's MBPP tasks.

EvalPerf ranks solutions by CPU instruction count on one large input per task but does
not publish those inputs. Each generator here is trusted Python *source* (standard library
only, run inside the sandbox, never metered) defining ``generate(scale, seed)`` that
returns ``{"args": [...], "kwargs": {}}``: one input, the same for the same
``(scale, seed)``. Each input is shaped so that a slow-but-correct solution (EvalPerf
cluster <= 0) does at least ten times the work of a top-cluster one, and ``scale`` keeps
the slow one near 1e8 instructions (about 0.1 s natively, a few seconds under callgrind).
``bench/generator_contrast.py`` measures the contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PerfGenerator", "GENERATORS", "generator_for"]


@dataclass(frozen=True)
class PerfGenerator:
    """A trusted input generator for one task, with the scale it is meant to run at."""

    task_id: str
    source: str
    scale: int
    why: str
    slow_index: int | None = None  # a specific slow solution, where the default pick is unusable


_PRIME_NEAR = """
import random


def _is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    i = 3
    while i * i <= n:
        if n % i == 0:
            return False
        i += 2
    return True


def generate(scale, seed):
    rng = random.Random(seed)
    n = scale + rng.randrange(max(1, scale // 10))
    while not _is_prime(n):
        n += 1
    return {"args": [n], "kwargs": {}}
"""

_INT_NEAR = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [scale + rng.randrange(max(1, scale // 10))], "kwargs": {}}
"""

_RANDOM_INTS = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [[rng.randrange(10 ** 9) for _ in range(scale)]], "kwargs": {}}
"""

_MOSTLY_DISTINCT = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    values = list(range(scale))
    rng.shuffle(values)
    values[: scale // 20] = [rng.randrange(scale) for _ in range(scale // 20)]
    return {"args": [values], "kwargs": {}}
"""

_REVERSE_PAIRS = """
import random
import string


def generate(scale, seed):
    rng = random.Random(seed)
    words = []
    for _ in range(scale):
        if words and rng.random() < 0.3:
            words.append(rng.choice(words)[::-1])
        else:
            words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(6)))
    rng.shuffle(words)
    return {"args": [words], "kwargs": {}}
"""

_THREE_LISTS = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    lists = [[rng.randrange(-10 ** 6, 10 ** 6) for _ in range(scale)] for _ in range(3)]
    return {"args": lists, "kwargs": {}}
"""

_ZEROS = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    values = [0 if rng.random() < 0.3 else rng.randrange(1, 10 ** 6) for _ in range(scale)]
    return {"args": [values], "kwargs": {}}
"""

_LIST_AND_ITEM = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    return {"args": [[rng.randrange(10 ** 6) for _ in range(scale)], "x"], "kwargs": {}}
"""

_LIST_OF_LISTS = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    rows = [[rng.randrange(10 * scale) for _ in range(3)] for _ in range(scale)]
    return {"args": [rows], "kwargs": {}}
"""

_LETTERS = """
import random
import string


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(string.ascii_letters) for _ in range(scale))
    return {"args": [text], "kwargs": {}}
"""

_TEXT_AND_CHAR = """
import random
import string


def generate(scale, seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(string.ascii_lowercase) for _ in range(scale))
    return {"args": [text, rng.choice("aeiou")], "kwargs": {}}
"""

_LIST_AND_INDEX = """
import random


def generate(scale, seed):
    rng = random.Random(seed)
    values = [rng.randrange(10 ** 6) for _ in range(scale)]
    return {"args": [values, rng.randrange(1, scale // 10 + 2)], "kwargs": {}}
"""

_ALL = [
    PerfGenerator("Mbpp/3", _PRIME_NEAR, 170_000, "a prime: trial division to n vs to sqrt(n)"),
    PerfGenerator("Mbpp/96", _INT_NEAR, 120_000, "divisor count: loop to n vs to sqrt(n)"),
    PerfGenerator("Mbpp/166", _RANDOM_INTS, 400, "all pairs O(n^2) vs parity counts O(n)"),
    PerfGenerator("Mbpp/256", _INT_NEAR, 1_300, "trial division of every number vs a sieve"),
    PerfGenerator("Mbpp/757", _REVERSE_PAIRS, 320, "all pairs O(n^2) vs a dict O(n)"),
    PerfGenerator("Mbpp/108", _THREE_LISTS, 175, "bubble sort vs sorted()"),
    PerfGenerator("Mbpp/88", _MOSTLY_DISTINCT, 900, "list.count per item O(n^2) vs Counter"),
    PerfGenerator("Mbpp/777", _MOSTLY_DISTINCT, 1_300, "list.index per item O(n^2) vs set"),
    PerfGenerator("Mbpp/632", _ZEROS, 1_300, "membership in a list O(n^2) vs two passes"),
    PerfGenerator("Mbpp/251", _LIST_AND_ITEM, 6_500, "list.insert per item O(n^2) vs one pass"),
    PerfGenerator("Mbpp/140", _LIST_OF_LISTS, 2_200, "sum(lists, []) O(n^2) vs set.update"),
    PerfGenerator("Mbpp/226", _LETTERS, 150_000, "a Python loop of += vs one slice"),
    PerfGenerator("Mbpp/11", _TEXT_AND_CHAR, 150_000, "scan every character vs find/rfind"),
    PerfGenerator("Mbpp/610", _LIST_AND_INDEX, 170_000, "rebuild by index vs del"),
]

GENERATORS: dict[str, PerfGenerator] = {g.task_id: g for g in _ALL}


def generator_for(task_id: str) -> PerfGenerator:
    """The generator of an EvalPerf task; ``KeyError`` if it has none."""
    return GENERATORS[task_id]
