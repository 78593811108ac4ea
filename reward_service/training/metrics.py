"""The paper's metrics: pass@k, EvalPerf's DPS_norm and Mercury's Beyond, from instruction counts.

pass@k
    The unbiased estimator of Chen et al. (2021): with n samples of which c are correct,
    ``1 - C(n-c, k) / C(n, k)``; pass@1 is c / n.
DPS_norm (EvalPerf, Liu et al. 2024)
    A task has reference solutions ordered from slowest to fastest. A correct sample is
    matched to the fastest reference it is at least as fast as (its count <= the reference's);
    matched to the j-th of n (1-based, slowest first) it scores ``100 * j / n``, and 0 when it is
    slower than every reference. A task's DPS_norm is the mean over its correct samples (failed
    samples count in pass@1 only), given at least ``min_correct`` of them; the overall figure is
    the mean over the tasks that have one. Here references are instruction counts, so the score
    is the percentage of references the sample runs no more instructions than.
Beyond (Mercury, Du et al. 2024)
    A task has a distribution of solution runtimes (here instruction counts) with minimum lo
    and maximum hi. A sample's count, clamped to [lo, hi], scores ``100 * (hi - N) / (hi - lo)``,
    its position in the distribution's range (Mercury treats the range as uniform); a failed
    sample scores 0 (Mercury runs it as infinitely slow). When lo == hi a correct sample scores
    100 at or below it and 0 above. A task's Beyond is the mean over all its samples; overall,
    the mean over tasks. Reported in percent, as the paper's tables are.

A sample that passes the tests but fails or times out on the performance inputs is not
``passed`` here, so it counts against pass@1 and is left out of DPS_norm (EvalPerf scores it
0 there instead). Samples with the ``sandbox_error`` verdict (an infrastructure failure, not the model's) are
left out of every metric, as the reward masks them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidInput
from .pool import ScoredRow, rows_by_problem

__all__ = ["pass_at_k", "dps_norm", "beyond", "TaskMetrics", "EvalReport", "evaluate", "reference_counts"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples with c correct (k <= n)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise InvalidInput(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    fail = 1.0
    for i in range(n - c + 1, n + 1):  # C(n-c, k) / C(n, k) as a product, no big integers
        fail *= 1.0 - k / i
    return 1.0 - fail


def dps_norm(count: int, references: Sequence[int]) -> float:
    """DPS_norm of one correct sample with ``count`` instructions against reference counts."""
    if not references:
        raise InvalidInput("DPS_norm needs at least one reference count")
    slowest_first = sorted(references, reverse=True)
    matched = 0
    for j, ref in enumerate(slowest_first, 1):
        if count <= ref:
            matched = j
        else:
            break
    return 100.0 * matched / len(slowest_first)


def beyond(count: int | None, solutions: Sequence[int]) -> float:
    """Beyond of one sample (``None``: failed) within the task's solution counts."""
    if not solutions:
        raise InvalidInput("Beyond needs at least one solution count")
    if count is None:
        return 0.0
    lo, hi = min(solutions), max(solutions)
    if hi == lo:
        return 100.0 if count <= lo else 0.0
    clamped = min(max(count, lo), hi)
    return 100.0 * (hi - clamped) / (hi - lo)


class TaskMetrics(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem_id: str
    samples: int
    correct: int
    pass_at: dict[int, float] = Field(description="k -> pass@k in percent (k <= samples).")
    dps_norm: float | None = Field(default=None, description="Null: no references, or too few correct samples.")
    beyond: float | None = Field(default=None, description="Null: no reference counts for the task.")


class EvalReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[TaskMetrics]
    pass_at: dict[int, float] = Field(description="k -> mean pass@k over the tasks with at least k samples.")
    dps_norm: float | None = None
    beyond: float | None = None
    dps_tasks: int = Field(default=0, description="Tasks with a DPS_norm.")
    beyond_tasks: int = 0


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def reference_counts(rows: Sequence[ScoredRow]) -> dict[str, list[int]]:
    """Instruction counts of the correct rows of a scored pool of reference solutions, per task."""
    out: dict[str, list[int]] = {}
    for r in rows:
        if r.correct and r.instructions is not None:
            out.setdefault(r.problem_id, []).append(r.instructions)
    return out


def evaluate(rows: Sequence[ScoredRow], references: Mapping[str, Sequence[int]] | None = None, *,
             ks: Sequence[int] = (1,), min_correct: int = 1) -> EvalReport:
    """Per-task and overall metrics of a scored pool of a model's samples."""
    references = references or {}
    tasks = []
    for pid, every in rows_by_problem(rows).items():
        group = [r for r in every if not r.verdict.masked]  # not the model's fault: masked
        if not group:
            continue
        n, c = len(group), sum(r.correct for r in group)
        refs = list(references.get(pid, ()))
        counts = [r.instructions for r in group if r.correct and r.instructions is not None]
        dps = _mean([dps_norm(x, refs) for x in counts]) if refs and len(counts) >= min_correct else None
        bey = _mean([beyond(r.instructions if r.correct else None, refs) for r in group]) if refs else None
        tasks.append(TaskMetrics(problem_id=pid, samples=n, correct=c,
                                 pass_at={k: 100.0 * pass_at_k(n, c, k) for k in ks if k <= n},
                                 dps_norm=dps, beyond=bey))
    overall: dict[int, float] = {}
    for k in ks:
        mean = _mean([t.pass_at[k] for t in tasks if k in t.pass_at])
        if mean is not None:
            overall[k] = mean
    dps_values = [t.dps_norm for t in tasks if t.dps_norm is not None]
    beyond_values = [t.beyond for t in tasks if t.beyond is not None]
    return EvalReport(tasks=tasks, pass_at=overall, dps_norm=_mean(dps_values), beyond=_mean(beyond_values),
                      dps_tasks=len(dps_values), beyond_tasks=len(beyond_values))
