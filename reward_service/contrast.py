"""Contrast report: do a problem set's performance inputs separate solutions as expected?

Input: problems, and solutions labelled with an expected order (a *rank*: higher is
faster, as EvalPerf's ``matching_cluster_idx``; a rank < 0 means "may be slow or fail").
Two file formats are read (``load_labelled``), one JSON object per line:

- EvalPerf's: ``{"task_id": ..., "solutions": [{"solution": src, "matching_cluster_idx": k}, ...]}``
- flat: ``{"task_id": ..., "solution": src, "rank": k}``

Per task, every solution is scored by the service (correctness, then instructions on the
metered inputs). Reported: counts, the contrast N(slowest passing) / N(fastest passing of
the top rank), the share of ordered pairs at least ``gap`` ranks apart that the counts
order as the ranks do, and the solutions with rank >= 0 that fail, each with its kind
(:class:`Failure`): a timeout in the problem's own tests is most often the data's fault (a
test input too large for its limits), a missing module the environment's, a wrong answer
on the performance inputs the generator's or the reference's. A summary line follows.

The contrast is undefined (``None``, shown ``-``) where the passing solutions carry fewer
than two distinct ranks: with one rank there is no slower solution to contrast with the
top, and a figure of ~1x would only say that the labels have a single class.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .datasets.paths import read_jsonl
from .errors import InvalidProblem
from .problem import Problem
from .results import Measurement
from .scoring import Scorer
from .verdict import Verdict

__all__ = ["Labelled", "Failure", "TaskContrast", "ContrastSummary", "load_labelled", "task_contrast", "contrast_report",
           "summarize", "format_task", "format_summary", "as_json"]


@dataclass(frozen=True)
class Labelled:
    """A solution with its expected rank (higher is faster; < 0: may fail)."""

    source: str
    rank: int


@dataclass(frozen=True)
class Failure:
    """A solution ranked to pass (rank >= 0) that did not."""

    index: int
    rank: int
    kind: str  # "missing module", "timeout in tests", "wrong answer on performance inputs", ...
    message: str

    @classmethod
    def of(cls, index: int, rank: int, measurement: Measurement) -> Failure:
        d = measurement.diagnostic
        if d.exception in ("ModuleNotFoundError", "ImportError"):
            kind = "missing module"
        else:
            # a run stopped at a test's own limit names no test: the judge's message still says where
            where = ("on performance inputs" if d.perf_input_index is not None
                     else "in tests" if d.test_index is not None or d.message.endswith("in the tests") else "")
            kind = f"{measurement.verdict.value.replace('_', ' ')} {where}".strip()
        return cls(index, rank, kind, d.message[:200])


@dataclass
class TaskContrast:
    task_id: str
    metered_inputs: str
    ranks: list[int]
    verdicts: list[str]
    counts: list[int | None]
    pairs: int = 0
    agreeing: int = 0
    failures: list[Failure] = field(default_factory=list)  # solutions with rank >= 0 that did not pass

    @property
    def passed(self) -> int:
        return sum(v == Verdict.passed.value for v in self.verdicts)

    @property
    def contrast(self) -> float | None:
        """N(slowest passing solution) / N(fastest passing solution of the top rank).

        None when the passing solutions have fewer than two distinct ranks (see the module).
        """
        passing = [(r, n) for r, n in zip(self.ranks, self.counts, strict=True) if n]
        if len({r for r, _ in passing}) < 2:
            return None
        top = max(r for r, _ in passing)
        return max(n for _, n in passing) / min(n for r, n in passing if r == top)

    @property
    def slowest(self) -> int | None:
        return max((n for n in self.counts if n), default=None)

    @property
    def fastest(self) -> int | None:
        return min((n for n in self.counts if n), default=None)


@dataclass(frozen=True)
class ContrastSummary:
    tasks: int
    solutions: int
    failures: int  # rank >= 0 solutions that failed
    pairs: int
    agreeing: int
    median_contrast: float | None
    min_contrast: float | None
    undefined_contrast: int = 0  # tasks whose passing solutions have fewer than two ranks
    failure_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def agreement(self) -> float | None:
        return self.agreeing / self.pairs if self.pairs else None


def load_labelled(path: str | Path) -> dict[str, list[Labelled]]:
    """Labelled solutions by task id, from either format (``.jsonl`` or ``.jsonl.gz``)."""
    out: dict[str, list[Labelled]] = {}
    try:
        for record in read_jsonl(Path(path)):
            task = str(record["task_id"])
            if "solutions" in record:
                items = [(s["solution"], s.get("matching_cluster_idx", s.get("rank"))) for s in record["solutions"]]
            else:
                items = [(record["solution"], record.get("rank", record.get("matching_cluster_idx")))]
            for source, rank in items:
                if not isinstance(source, str) or not isinstance(rank, int):
                    raise InvalidProblem(f"{path}: task {task}: each solution needs a source and an integer rank")
                out.setdefault(task, []).append(Labelled(source, rank))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidProblem(f"{path}: not a labelled-solutions file: {exc}") from exc
    return out


def task_contrast(scorer: Scorer, problem: Problem, solutions: Sequence[Labelled], gap: int = 2,
                  concurrency: int = 1) -> TaskContrast:
    """Score every solution of one task and compare the counts with the ranks."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        measured = list(pool.map(lambda s: scorer.evaluate(problem, s.source), solutions))
    result = TaskContrast(
        task_id=problem.id, metered_inputs=problem.metered_inputs(),
        ranks=[s.rank for s in solutions], verdicts=[m.verdict.value for m in measured],
        counts=[m.instructions if m.verdict is Verdict.passed else None for m in measured],
    )
    for i, (s, m) in enumerate(zip(solutions, measured, strict=True)):
        if s.rank >= 0 and m.verdict is not Verdict.passed:
            result.failures.append(Failure.of(i, s.rank, m))
    for ri, ni in zip(result.ranks, result.counts, strict=True):
        for rj, nj in zip(result.ranks, result.counts, strict=True):
            if ni and nj and ri >= rj + gap:  # i should be faster than j
                result.pairs += 1
                result.agreeing += ni < nj
    return result


def contrast_report(scorer: Scorer, problems: Sequence[Problem], labelled: dict[str, list[Labelled]],
                    gap: int = 2, concurrency: int = 1,
                    each: Callable[[TaskContrast], None] | None = None) -> list[TaskContrast]:
    """One ``TaskContrast`` per problem that has labelled solutions, in the problems' order."""
    out = []
    for problem in problems:
        solutions = labelled.get(problem.id)
        if not solutions:
            continue
        result = task_contrast(scorer, problem, solutions, gap, concurrency)
        out.append(result)
        if each:
            each(result)
    return out


def summarize(results: Sequence[TaskContrast]) -> ContrastSummary:
    contrasts = [c for c in (r.contrast for r in results) if c is not None]
    return ContrastSummary(
        tasks=len(results), solutions=sum(len(r.ranks) for r in results),
        failures=sum(len(r.failures) for r in results),
        pairs=sum(r.pairs for r in results), agreeing=sum(r.agreeing for r in results),
        median_contrast=statistics.median(contrasts) if contrasts else None,
        min_contrast=min(contrasts) if contrasts else None,
        undefined_contrast=len(results) - len(contrasts),
        failure_kinds=dict(Counter(f.kind for r in results for f in r.failures).most_common()),
    )


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


def format_task(r: TaskContrast) -> str:
    order = f"{r.agreeing}/{r.pairs}" if r.pairs else "-"
    fails = "; ".join(f"#{f.index} rank {f.rank} {f.kind}: {f.message}" for f in r.failures[:3])
    return (f"{r.task_id:12} {r.metered_inputs:11} passed {r.passed:>3}/{len(r.ranks):<3} "
            f"N {r.fastest or 0:>13,}..{r.slowest or 0:>15,}  contrast {_x(r.contrast):>9}  "
            f"order {order:>9}  {'FAIL ' + fails if fails else ''}").rstrip()


def format_summary(s: ContrastSummary) -> str:
    agreement = "-" if s.agreement is None else f"{100 * s.agreement:.1f}%"
    kinds = ", ".join(f"{n} {kind}" for kind, n in s.failure_kinds.items())
    undefined = f" ({s.undefined_contrast} tasks undefined: one rank passes)" if s.undefined_contrast else ""
    return (f"summary: {s.tasks} tasks, {s.solutions} solutions, {s.failures} failures of solutions that should "
            f"pass{f' ({kinds})' if kinds else ''}, ordering {s.agreeing}/{s.pairs} = {agreement}, "
            f"contrast median {_x(s.median_contrast)} min {_x(s.min_contrast)}{undefined}")


def as_json(r: TaskContrast) -> str:
    return json.dumps({"task_id": r.task_id, "metered_inputs": r.metered_inputs, "ranks": r.ranks,
                       "verdicts": r.verdicts, "counts": r.counts, "pairs": r.pairs, "agreeing": r.agreeing,
                       "contrast": r.contrast,
                       "failures": [{"index": f.index, "rank": f.rank, "kind": f.kind, "message": f.message}
                                    for f in r.failures]})
