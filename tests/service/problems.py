"""Tiny problems and responses for the service tests (fast: one small metered input)."""

from __future__ import annotations

from typing import Any


def sumto(problem_id: str = "t/sumto", scale: int = 3000) -> dict[str, Any]:
    return {
        "id": problem_id,
        "entry_point": "sumto",
        "tests": [
            {"args": [3], "expected": 6, "has_expected": True},
            {"args": [10], "expected": 55, "has_expected": True},
        ],
        "reference": "def sumto(n):\n    return n * (n + 1) // 2\n",
        "performance": {"inputs": [{"args": [scale]}]},
    }


def fenced(code: str) -> str:
    return f"Here is my answer.\n\n```python\n{code}```\n"


FAST = fenced("def sumto(n):\n    return n * (n + 1) // 2\n")
FAST_REFORMATTED = fenced("def sumto(n):  # closed form\n    return (n * (n + 1)) // 2\n")
MEDIUM = fenced("def sumto(n):\n    return sum(range(n + 1))\n")
SLOW = fenced("def sumto(n):\n    t = 0\n    for i in range(n + 1):\n        t += i\n    return t\n")
WRONG = fenced("def sumto(n):\n    return n * n\n")
CRASH = fenced("def sumto(n):\n    raise ValueError('no')\n")
NO_ENTITY = fenced("def other(n):\n    return n\n")
NO_CODE = "I would loop over the numbers and add them."
# Busy for a couple of CPU seconds, then right: a task long enough to kill a worker during it.
# 0.9 s on each of sumto's two tests: each test may take 1 s (EvalPlus's rule, expected.py).
BUSY = fenced(
    "import time\n"
    "def sumto(n):\n"
    "    end = time.process_time() + 0.9\n"
    "    while time.process_time() < end:\n"
    "        pass\n"
    "    return n * (n + 1) // 2\n"
)

GROUP = [FAST, MEDIUM, SLOW, WRONG, CRASH, NO_ENTITY, NO_CODE, FAST_REFORMATTED]
