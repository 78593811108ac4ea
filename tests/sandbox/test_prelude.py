"""Which of a candidate's imports leave the count: the leading standard-library ones only."""

from __future__ import annotations

import dis

import pytest

from reward_service.sandbox.runner import split_prelude


def names(code: object) -> list[str]:
    return [i.argval for i in dis.get_instructions(code) if i.opname == "IMPORT_NAME"]  # type: ignore[arg-type]


@pytest.mark.parametrize(("source", "hoisted", "kept"), [
    ("import heapq\nfrom collections import Counter\ndef f(): pass\n", ["heapq", "collections"], []),
    ('"""doc"""\nimport math, bisect\nx = 1\n', ["math", "bisect"], []),
    ("import os.path\nfrom sortedcontainers import SortedList\n", ["os.path", "sortedcontainers"], []),
    ("x = 1\nimport heapq\n", [], ["heapq"]),  # after other code: counted
    ("import heapq\nimport numpy\nimport math\n", ["heapq"], ["numpy", "math"]),  # stops at the first other
    ("from __future__ import annotations\nimport math\n", [], ["__future__", "math"]),
    ("from . import x\n", [], [""]),  # relative
    ("from math import *\n", [], ["math"]),  # star
])
def test_split(source: str, hoisted: list[str], kept: list[str]) -> None:
    prelude, module = split_prelude(source)
    assert (names(prelude) if prelude is not None else []) == hoisted
    assert names(module) == kept


def test_line_numbers_are_kept() -> None:
    _, module = split_prelude("import heapq\n\n\ndef f():\n    return 1 / 0\n")
    f = next(c for c in module.co_consts if hasattr(c, "co_firstlineno"))
    assert f.co_firstlineno == 4
