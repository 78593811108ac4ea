"""The core on real problem sets (../shared/data): every reference passes, faster code scores higher."""

from __future__ import annotations

import pytest

from reward_service.datasets import evalperf_problems, load_leetcode, load_leetcode_responses, load_mbppplus
from reward_service.datasets.evalperf import perf_solutions
from reward_service.extract import triage
from reward_service.results import ScoreOptions
from reward_service.scoring import Scorer
from reward_service.verdict import Verdict


def fence(code: str) -> str:
    return f"Here is my solution.\n\n```python\n{code}\n```\n"


def test_every_mbppplus_canonical_solution_passes(scorer: Scorer) -> None:
    problems = load_mbppplus()
    assert len(problems) == 378
    groups = scorer.score_groups([(p, [fence(p.reference or "")]) for p in problems], ScoreOptions(measure=False))
    failed = {g.problem_id: g.results[0].diagnostic.message for g in groups if g.results[0].verdict is not Verdict.passed}
    assert failed == {}


def test_leetcode_completions_pass_and_responses_extract(scorer: Scorer) -> None:
    problems = load_leetcode()
    assert len(problems) >= 200
    groups = scorer.score_groups([(p, [fence(p.reference or "")]) for p in problems], ScoreOptions(measure=False))
    failed = {g.problem_id: g.results[0].diagnostic.message for g in groups if g.results[0].verdict is not Verdict.passed}
    assert failed == {}
    responses = load_leetcode_responses()
    by_id = {p.id: p for p in problems}
    extracted = [triage(text, by_id[tid].entry) for tid, text in responses.items() if tid in by_id and text.strip()]
    assert len(extracted) >= 100  # the data set leaves some responses empty
    assert sum(e.verdict is None for e in extracted) >= 0.95 * len(extracted)


# The tasks whose generators were written and checked with their slowest and fastest
# solutions in mind; every EvalPerf task has one now, measured by bench/evalperf_contrast.py.
CHECKED = ("Mbpp/3", "Mbpp/96", "Mbpp/166", "Mbpp/256", "Mbpp/757", "Mbpp/108", "Mbpp/88", "Mbpp/777",
           "Mbpp/632", "Mbpp/251", "Mbpp/140", "Mbpp/226", "Mbpp/11", "Mbpp/610")


@pytest.mark.slow
def test_top_cluster_beats_slow_cluster_on_every_generator_task(scorer: Scorer) -> None:
    problems = [p for p in evalperf_problems() if p.id in CHECKED]
    assert len(problems) == len(CHECKED)
    losers = {}
    for problem in problems:
        fast, slow = perf_solutions(problem.id)
        group = scorer.score_group(problem, [fence(fast), fence(slow)])
        r_fast, r_slow = group.results
        assert r_fast.verdict is Verdict.passed, (problem.id, r_fast.diagnostic)
        assert r_slow.verdict is Verdict.passed, (problem.id, r_slow.diagnostic)
        assert r_fast.reward is not None and r_slow.reward is not None
        if not r_fast.reward > r_slow.reward:
            losers[problem.id] = (r_fast.instructions, r_slow.instructions)
    assert losers == {}


def test_repeated_measurement_gives_the_same_count(scorer: Scorer) -> None:
    problem = evalperf_problems()[0]
    fast, _ = perf_solutions(problem.id)
    counts = {scorer.evaluate(problem, fast).instructions for _ in range(3)}
    assert len(counts) == 1 and None not in counts
