"""Time limits as EvalPlus sets them: each test may take max(1 s, 4x the reference's CPU on
it); the whole run, at least the sum of those (and at least 10 s, 4x the reference + 2 s)."""

from __future__ import annotations

import dataclasses

import pytest

from reward_service.expected import Expected
from reward_service.problem import Problem
from reward_service.results import ScoreOptions
from reward_service.runs import test_spec as spec_for
from reward_service.scoring import Scorer
from reward_service.verdict import Verdict

CORRECT = ScoreOptions(measure=False)
REFERENCE = "def f(i):\n    return i\n"
SPIN = "import time\ndef spin(s):\n    t = time.process_time()\n    while time.process_time() - t < s:\n        pass\n"


def problem(tests: int) -> Problem:
    # a cap above the old whole-run limit (MBPP+'s is 120 s): the limits below it follow the reference
    return Problem(id=f"t/limits{tests}", entry_point="f", reference=REFERENCE,
                   tests=[{"args": [i]} for i in range(tests)], limits={"time_s": 30.0})


def score(scorer: Scorer, p: Problem, code: str) -> tuple[Verdict, int | None, str]:
    (r,) = scorer.score_group(p, [f"```python\n{code}```"], CORRECT).results
    return r.verdict, r.diagnostic.test_index, r.diagnostic.message


def test_limits_follow_the_reference_test_by_test() -> None:
    e = Expected(tests=[1, 2, 3], perf=[], reference_cpu_s=0.9, reference_call_cpu_s=(0.01, 0.5, 0.2))
    assert e.call_limits() == [1.0, 2.0, 1.0]
    assert e.cpu_limit(120.0) == 10.0  # max(10, 4 x 0.9 + 2, 1 + 2 + 1)
    many = Expected(tests=list(range(30)), perf=[], reference_cpu_s=0.3, reference_call_cpu_s=(0.01,) * 30)
    assert many.cpu_limit(120.0) == 30.0 and many.cpu_limit(20.0) == 20.0
    untimed = Expected(tests=[1], perf=[], reference_cpu_s=0.5)  # a cache entry from before per-test times
    assert untimed.call_limits() is None and untimed.cpu_limit(120.0) == 10.0


def test_the_reference_is_timed_per_test(scorer: Scorer) -> None:
    p = problem(3)
    expected = scorer.judge.expected.get(p)
    assert len(expected.reference_call_cpu_s) == 3 and all(0 <= t < 0.5 for t in expected.reference_call_cpu_s)
    spec = spec_for(p, REFERENCE, p.tests)
    assert spec.call_cpu_s is None  # only the judge sets them


@pytest.mark.slow
def test_one_slow_test_is_a_timeout_at_that_test(scorer: Scorer) -> None:
    """1.5 s on test 2 alone: within the whole run's 10 s, past the test's own 1 s (EvalPlus's rule)."""
    code = SPIN + "def f(i):\n    if i == 2:\n        spin(1.5)\n    return i\n"
    verdict, index, message = score(scorer, problem(4), code)
    assert (verdict, index) == (Verdict.timeout, 2), message


@pytest.mark.slow
def test_an_infinite_loop_is_stopped_near_its_tests_limit(scorer: Scorer) -> None:
    p = problem(2)
    expected = scorer.judge.expected.get(p)
    spec = dataclasses.replace(spec_for(p, "def f(i):\n    while True:\n        pass\n", p.tests),
                               cpu_s=expected.cpu_limit(p.limits.time_s), call_cpu_s=expected.call_limits())
    outcome = scorer.sandbox.run_untrusted(spec)
    assert outcome.status.value == "timeout" and outcome.limit == "cpu"
    assert outcome.cpu_s < 3.0, outcome.cpu_s  # the test's 1 s (whole seconds: within 2 s), not the run's 10 s


@pytest.mark.slow
def test_slow_on_every_test_but_within_each_limit_passes(scorer: Scorer) -> None:
    """0.8 s on each of 14 tests: 11.2 s in all, past the old whole-run 10 s, within EvalPlus's rule."""
    code = SPIN + "def f(i):\n    spin(0.8)\n    return i\n"
    verdict, _, message = score(scorer, problem(14), code)
    assert verdict is Verdict.passed, message
