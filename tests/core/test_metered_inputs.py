"""The fallback: without performance inputs the tests are metered, and every result says which inputs were."""

from __future__ import annotations

import pytest

from reward_service.problem import Problem
from reward_service.results import ScoreOptions
from reward_service.scoring import Scorer

_FAST = "```python\ndef f(n):\n    return n * (n - 1) // 2\n```"
_SLOW = "```python\ndef f(n):\n    return sum(range(n))\n```"


def make(**extra: object) -> Problem:
    return Problem(id="t/triangle", entry_point="f", reference="def f(n):\n    return n * (n - 1) // 2\n",
                   tests=[{"args": [n]} for n in (0, 5, 3000, 20000)], **extra)  # type: ignore[arg-type]


def test_problem_without_performance_inputs_is_metered_on_its_tests(scorer: Scorer) -> None:
    result = scorer.score_group(make(), [_FAST, _SLOW])
    assert result.metered_inputs == "tests"
    fast, slow = result.results
    assert fast.instructions and slow.instructions and fast.instructions < slow.instructions
    assert fast.reward is not None and slow.reward is not None and fast.reward > slow.reward


def test_performance_inputs_are_metered_when_given(scorer: Scorer) -> None:
    result = scorer.score_group(make(performance={"inputs": [{"args": [50000]}]}), [_FAST, _SLOW])
    assert result.metered_inputs == "performance"
    assert all(r.per_input and len(r.per_input) == 1 for r in result.results)


@pytest.mark.parametrize("where", ["problem", "request"])
def test_efficiency_none_meters_nothing(scorer: Scorer, where: str) -> None:
    problem = make(efficiency="none") if where == "problem" else make()
    options = ScoreOptions(efficiency="none") if where == "request" else None
    result = scorer.score_group(problem, [_FAST, _SLOW], options)
    assert result.metered_inputs == "none"
    assert [r.reward for r in result.results] == [1.0, 1.0]
    assert all(r.instructions is None for r in result.results)


def test_correctness_only_requests_say_none(scorer: Scorer) -> None:
    result = scorer.score_group(make(), [_FAST], ScoreOptions(measure=False))
    assert result.metered_inputs == "none"
