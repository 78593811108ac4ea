"""Scoring a sample pool: one row per response, resumable after an interruption."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_service.errors import InvalidInput
from reward_service.extract import code_digest
from reward_service.problem import Problem
from reward_service.scoring import Scorer
from reward_service.training import read_pool, score_pool
from reward_service.verdict import Verdict

from .conftest import Pool


def test_one_row_per_response(pool: Pool) -> None:
    assert len(pool.rows) == sum(len(rs) for _, rs in pool.groups)
    for problem, responses in pool.groups:
        rows = [r for r in pool.rows if r.problem_id == problem.id]
        assert [r.response for r in rows] == responses
        assert [r.verdict for r in rows][-4:] == [Verdict.passed, Verdict.wrong_answer, Verdict.format_error,
                                                  Verdict.no_entity]
        assert all(r.verdict is Verdict.passed and r.instructions and r.reward is not None for r in rows[:5])
        duplicate, original = rows[4], rows[3]
        assert duplicate.digest == original.digest == code_digest(original.code or "")
        assert duplicate.instructions == original.instructions and duplicate.code != original.code
        assert rows[6].code is None and rows[6].reward == -1.5


def _tiny(name: str) -> Problem:
    return Problem(id=f"t/{name}", entry_point="f", reference="def f(n):\n    return sum(range(n))\n",
                   tests=[{"args": [5]}, {"args": [50]}])


def test_resume_after_interruption(scorer: Scorer, tmp_path: Path) -> None:
    loop = "```python\ndef f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n```"
    closed = "```python\ndef f(n):\n    return n * (n - 1) // 2\n```"
    groups = [(_tiny("a"), [loop, closed]), (_tiny("b"), [closed, "no code"]), (_tiny("c"), [loop])]
    out = tmp_path / "pool.jsonl"
    first = score_pool(scorer, groups[:2], out, chunk=1)
    assert (first.problems, first.received, first.resumed) == (2, 4, 0)
    # an interruption: the last group half written, its last line torn
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    assert {r.problem_id for r in read_pool(out)} == {"t/a"}
    before = scorer.evaluations
    second = score_pool(scorer, groups, out)
    assert (second.resumed, second.received, second.problems) == (1, 3, 3)
    assert scorer.evaluations - before == 2  # t/b's and t/c's programs, not t/a's again
    rows = read_pool(out)
    assert [(r.problem_id, r.index) for r in rows] == [("t/a", 0), ("t/a", 1), ("t/b", 0), ("t/b", 1), ("t/c", 0)]
    assert len(out.read_text().splitlines()) == 5
    third = score_pool(scorer, groups, out)
    assert (third.received, third.resumed) == (0, 3)
    with pytest.raises(InvalidInput):
        score_pool(scorer, [groups[0], groups[0]], tmp_path / "twice.jsonl")
