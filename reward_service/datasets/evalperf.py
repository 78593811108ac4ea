"""EvalPerf's MBPP tasks: model solutions labelled by efficiency cluster.

EvalPerf clustered real model solutions by CPU instruction count on one large input per
task: a higher ``cluster`` is faster; ``-1`` is slower than every reference *or failed*.
With the generators of :mod:`.generators` this gives, per task, an MBPP+ problem with a
performance section and a (fast, slow) pair of correct solutions whose instruction counts
the service's rewards should order the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..problem import Performance, Problem
from .generators import GENERATORS, PerfGenerator
from .mbppplus import load_mbppplus
from .paths import data_file, read_jsonl

__all__ = [
    "EVALPERF_FILE",
    "Solution",
    "EvalPerfTask",
    "load_evalperf",
    "evalperf_problems",
    "perf_solutions",
]

EVALPERF_FILE = "evalperf/mbpp-solutions-by-cluster.jsonl.gz"


@dataclass(frozen=True)
class Solution:
    source: str
    cluster: int  # higher is faster; -1: slower than every reference, or failed
    models: tuple[str, ...]


@dataclass(frozen=True)
class EvalPerfTask:
    task_id: str
    entry_point: str
    prompt: str
    solutions: tuple[Solution, ...]

    @property
    def top_cluster(self) -> int:
        return max(s.cluster for s in self.solutions)


def _task(record: dict[str, Any]) -> EvalPerfTask:
    solutions = tuple(
        Solution(
            source=str(s["solution"]),
            cluster=int(s["matching_cluster_idx"]),
            models=tuple(str(m) for m in s.get("models") or ()),
        )
        for s in record["solutions"]
    )
    return EvalPerfTask(
        task_id=str(record["task_id"]),
        entry_point=str(record["entry_point"]),
        prompt=str(record.get("prompt") or ""),
        solutions=solutions,
    )


def load_evalperf(path: str | Path | None = None) -> list[EvalPerfTask]:
    """All 89 EvalPerf MBPP tasks. ``path``: the .jsonl.gz file or a data directory."""
    return [_task(r) for r in read_jsonl(data_file(EVALPERF_FILE, path))]


@lru_cache(maxsize=4)
def _tasks_by_id(path: str | None) -> dict[str, EvalPerfTask]:
    return {t.task_id: t for t in load_evalperf(path)}


def perf_solutions(task_id: str, path: str | Path | None = None) -> tuple[str, str]:
    """(fast, slow) solution sources of a task that has a generator.

    Fast: the first solution of the top cluster. Slow: the generator's pinned
    ``slow_index``, else the first solution of cluster 0, else of cluster -1, else of the
    lowest cluster. ``bench/evalperf_contrast.py`` checks every labelled solution.
    """
    generator = GENERATORS[task_id]
    task = _tasks_by_id(None if path is None else str(path))[task_id]
    fast = next(s for s in task.solutions if s.cluster == task.top_cluster)
    if generator.slow_index is not None:
        slow = task.solutions[generator.slow_index]
    else:  # cluster 0, else -1, else the lowest cluster (some tasks have only fast ones)
        lowest = min(s.cluster for s in task.solutions if s.cluster >= 0)
        slow = next(s for c in (0, -1, lowest) for s in task.solutions if s.cluster == c)
    return fast.source, slow.source


def _with_performance(problem: Problem, generator: PerfGenerator) -> Problem:
    performance = Performance(generator=generator.source, scale=generator.scale, seeds=[0], check_outputs=True)
    return problem.model_copy(update={"performance": performance})


def evalperf_problems(mbpp: list[Problem] | None = None) -> list[Problem]:
    """The MBPP+ problem of every task with a generator, with its performance section."""
    by_id = {p.id: p for p in (mbpp if mbpp is not None else load_mbppplus())}
    return [_with_performance(by_id[g.task_id], g) for g in GENERATORS.values()]
