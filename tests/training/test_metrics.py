"""pass@k, DPS_norm and Beyond: hand-worked cases, and EvalPerf's cluster labels on real solutions."""

from __future__ import annotations

import itertools
import math

import pytest

from reward_service.datasets import evalperf_problems, load_evalperf
from reward_service.errors import InvalidInput
from reward_service.results import ScoreOptions
from reward_service.scoring import Scorer
from reward_service.training import ScoredRow, beyond, dps_norm, evaluate, pass_at_k, reference_counts
from reward_service.verdict import Verdict


def test_pass_at_k_by_hand() -> None:
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(5, 2))  # 0.7
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - math.comb(7, 5) / math.comb(10, 5))  # 11/12
    assert pass_at_k(4, 4, 2) == 1.0 and pass_at_k(4, 0, 3) == 0.0 and pass_at_k(4, 3, 2) == 1.0
    with pytest.raises(InvalidInput):
        pass_at_k(3, 1, 4)


def test_dps_norm_by_hand() -> None:
    refs = [10, 100, 50]  # slowest first: 100, 50, 10
    assert dps_norm(5, refs) == 100.0  # faster than all three
    assert dps_norm(10, refs) == 100.0  # as fast as the fastest counts as matching it
    assert dps_norm(30, refs) == pytest.approx(200 / 3)  # matches the 50 reference: 2 of 3
    assert dps_norm(100, refs) == pytest.approx(100 / 3)
    assert dps_norm(101, refs) == 0.0  # slower than every reference
    with pytest.raises(InvalidInput):
        dps_norm(1, [])


def test_beyond_by_hand() -> None:
    sols = [30, 10, 20]
    assert [beyond(n, sols) for n in (10, 20, 25, 30)] == [100.0, 50.0, 25.0, 0.0]
    assert beyond(5, sols) == 100.0 and beyond(40, sols) == 0.0  # clamped to the range
    assert beyond(None, sols) == 0.0  # a failed sample
    assert beyond(7, [7]) == 100.0 and beyond(8, [7]) == 0.0


def _row(pid: str, i: int, n: int | None) -> ScoredRow:
    verdict = Verdict.passed if n is not None else Verdict.wrong_answer
    return ScoredRow(problem_id=pid, index=i, group_size=4, response=str(i), digest=str(i), verdict=verdict,
                     instructions=n, reward=1.0 if n else 0.0)


def test_evaluate_by_hand() -> None:
    rows = [_row("a", 0, 10), _row("a", 1, 20), _row("a", 2, None), _row("a", 3, None),
            _row("b", 0, 40), _row("b", 1, 40), _row("b", 2, 40), _row("b", 3, 40)]
    report = evaluate(rows, {"a": [10, 20, 30]}, ks=(1, 2))
    a, b = report.tasks
    assert a.pass_at[1] == 50.0 and a.pass_at[2] == pytest.approx(100 * (1 - 1 / 6))
    assert a.dps_norm == pytest.approx((100 + 200 / 3) / 2)  # 83.33
    assert a.beyond == pytest.approx((100 + 50 + 0 + 0) / 4)  # 37.5
    assert b.pass_at[1] == 100.0 and b.dps_norm is None and b.beyond is None  # no references for b
    assert report.pass_at[1] == 75.0 and report.dps_norm == a.dps_norm and report.beyond == a.beyond
    assert (report.dps_tasks, report.beyond_tasks) == (1, 1)
    assert evaluate(rows, {"a": [10, 20, 30]}, min_correct=3).tasks[0].dps_norm is None
    masked = rows + [_row("a", 4, None).model_copy(update={"verdict": Verdict.sandbox_error})]
    assert evaluate(masked, {"a": [10, 20, 30]}, ks=(1, 2)).tasks[0] == a  # a sandbox failure is not the model's


CLUSTER_TASKS = ("Mbpp/88", "Mbpp/226")


@pytest.mark.slow
def test_higher_cluster_never_gets_lower_dps_norm(scorer: Scorer) -> None:
    """One solution per EvalPerf cluster (instruction counts on the task's performance input),
    scored here; the task's scored solutions are the references. A solution EvalPerf put in a
    faster cluster must never get a lower DPS_norm (nor Beyond) than one of a slower cluster."""
    problems = {p.id: p for p in evalperf_problems()}
    tasks = {t.task_id: t for t in load_evalperf()}
    rows: list[ScoredRow] = []
    clusters: dict[tuple[str, int], int] = {}
    for tid in CLUSTER_TASKS:
        first: dict[int, str] = {}
        for s in tasks[tid].solutions:
            if s.cluster >= 0:
                first.setdefault(s.cluster, s.source)
        picked = sorted(first.items())[-4:]  # the four fastest clusters: cheap under callgrind
        group = scorer.score_group(problems[tid], [f"```python\n{src}\n```" for _, src in picked], ScoreOptions())
        for (cluster, src), res in zip(picked, group.results, strict=True):
            assert res.verdict is Verdict.passed, (tid, cluster, res.diagnostic)
            clusters[tid, res.index] = cluster
            rows.append(ScoredRow(problem_id=tid, index=res.index, group_size=len(picked), response=src, digest=src,
                                  verdict=res.verdict, instructions=res.instructions, reward=res.reward))
    refs = reference_counts(rows)
    for tid in CLUSTER_TASKS:
        mine = [r for r in rows if r.problem_id == tid]
        for x, y in itertools.permutations(mine, 2):
            if clusters[tid, x.index] > clusters[tid, y.index]:
                assert x.instructions is not None and y.instructions is not None
                assert dps_norm(x.instructions, refs[tid]) >= dps_norm(y.instructions, refs[tid]), (tid, x.index, y.index)
                assert beyond(x.instructions, refs[tid]) >= beyond(y.instructions, refs[tid])
        top = max(mine, key=lambda r: clusters[tid, r.index])
        assert dps_norm(top.instructions or 0, refs[tid]) == 100.0
