"""Scorer behaviour that the hostile and real-data suites do not pin down."""

from __future__ import annotations

from reward_service.problem import Problem
from reward_service.results import ScoreOptions
from reward_service.scoring import Scorer
from reward_service.verdict import Verdict


def fence(code: str) -> str:
    return f"```python\n{code}```"


def base_problem(reference: str) -> Problem:
    return Problem(id="t/double", entry_point="f", reference=reference,
                   tests=[{"args": [1]}, {"args": [2]}, {"args": [21]}])


def test_changed_problem_gets_new_expected_outputs(scorer: Scorer) -> None:
    v1 = base_problem("def f(x):\n    return 2 * x\n")
    v2 = base_problem("def f(x):\n    return 3 * x\n")
    assert v1.version != v2.version
    doubler = fence("def f(x):\n    return x + x\n")
    assert scorer.score_group(v1, [doubler], ScoreOptions(measure=False)).results[0].verdict is Verdict.passed
    assert scorer.score_group(v2, [doubler], ScoreOptions(measure=False)).results[0].verdict is Verdict.wrong_answer


def test_identical_programs_are_run_once(scorer: Scorer) -> None:
    problem = base_problem("def f(x):\n    return 2 * x\n")
    before = scorer.evaluations
    group = scorer.score_group(problem, [fence("def f(x):\n    return 2*x\n"),
                                         fence("def f(x):  # same program\n    return 2 * x\n"),
                                         fence("def f(x):\n    return x * 2\n")], ScoreOptions(measure=False))
    assert [r.verdict for r in group.results] == [Verdict.passed] * 3
    assert scorer.evaluations - before == 2


def test_broken_reference_makes_the_problem_invalid_once(scorer: Scorer) -> None:
    """A failing reference is the problem's fault: said once for the group, never 0.0, and
    not run again for every response."""
    problem = base_problem("def f(x):\n    raise ValueError(x)\n")
    responses = [fence(f"def f(x):\n    return {k} * x\n") for k in range(2, 6)] + ["no code here"]
    calls = []
    real = scorer.sandbox.run_untrusted

    def counting(spec):  # type: ignore[no-untyped-def]
        calls.append(spec.code)
        return real(spec)

    scorer.sandbox.run_untrusted = counting  # type: ignore[method-assign]
    try:
        group = scorer.score_group(problem, responses, ScoreOptions(measure=False))
    finally:
        del scorer.sandbox.run_untrusted
    assert group.error is not None and group.error.code == "invalid_problem"
    assert "t/double" in group.error.message and "ValueError" in group.error.message
    assert [r.verdict for r in group.results] == [Verdict.invalid_problem] * 4 + [Verdict.format_error]
    assert [r.reward for r in group.results] == [None] * 4 + [-1.5]
    assert calls.count(problem.reference) == 1  # the reference ran once; no candidate ran
    assert len(calls) == 1


def test_float_tolerance_and_types(scorer: Scorer) -> None:
    problem = Problem(id="t/third", entry_point="f", reference="def f(x):\n    return (x / 3, [x])\n",
                      tests=[{"args": [1]}, {"args": [2]}], comparison={"mode": "float", "atol": 1e-6})
    close = fence("def f(x):\n    return (x / 3 + 1e-9, [x])\n")
    as_list = fence("def f(x):\n    return [x / 3, [x]]\n")
    results = scorer.score_group(problem, [close, as_list], ScoreOptions(measure=False)).results
    assert [r.verdict for r in results] == [Verdict.passed, Verdict.wrong_answer]


def test_result_carries_counts_score_and_rounding(scorer: Scorer) -> None:
    problem = Problem(id="t/sum", entry_point="f", reference="def f(n):\n    return sum(range(n))\n",
                      tests=[{"args": [10]}], performance={"inputs": [{"args": [2000]}, {"args": [4000]}]})
    slow = fence("def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n")
    fast = fence("def f(n):\n    return n * (n - 1) // 2\n")
    group = scorer.score_group(problem, [slow, fast], ScoreOptions(round_digits=2))
    s, f = group.results
    assert s.reward == 1.0 and f.reward is not None and f.reward > 1.0 and f.reward == round(f.reward, 2)
    assert len(s.per_input) == 2 and s.instructions == sum(s.per_input)
    assert s.score is not None and f.score is not None and f.score > s.score
    assert group.summary.passed == 2 and group.summary.min_instructions == f.instructions
