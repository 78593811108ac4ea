"""The local scorer: the pipeline (:mod:`.pipeline`) with its work measured in this process.

    plan (pipeline) --> judge each unique code (judge.Judge, a thread pool over the sandbox)
                    --> assemble each group as soon as its members are measured (pipeline)

The CLI, calibration, contrast reports, stage-1 pools and the service's workers use it; the
service's API plans and assembles with the same pipeline and leaves the judging to workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from .expected import Expected, ExpectedOutputs
from .judge import Judge
from .meter.identity import environment_tag
from .pipeline import GroupOut, Work, assemble_planned, plan_groups
from .problem import Problem
from .results import Aggregate, GroupResult, Measurement, ScoreOptions
from .sandbox.base import Sandbox
from .sandbox.factory import make_sandbox
from .settings import Settings, get_settings

__all__ = ["Scorer"]

#: the expected-output cache's format; a new one ignores files of the old
_EXPECTED_FORMAT = "v3"  # v3: the reference's per-test times include its outputs' encoding


class Scorer:
    """Scores code against problems. Thread-safe; one per process is enough."""

    def __init__(self, settings: Settings | None = None, sandbox: Sandbox | None = None,
                 concurrency: int | None = None) -> None:
        self.settings = settings or get_settings()
        self.sandbox = sandbox or make_sandbox(self.settings)
        self._expected = ExpectedOutputs(self.sandbox, self.settings.data_dir / "expected" / _EXPECTED_FORMAT)
        self.judge = Judge(self.sandbox, self._expected)
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=concurrency or self.settings.sandbox.concurrency,
                                        thread_name_prefix="scorer")
        #: how many codes were actually run (the result cache and dedup skip the rest)
        self.evaluations = 0

    @property
    def meter_name(self) -> str:
        return self.sandbox.meter_name

    @property
    def environment(self) -> str:
        return environment_tag(self.settings, self.meter_name)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.sandbox.close()

    def __enter__(self) -> Scorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def expected(self, problem: Problem) -> Expected:
        """Expected outputs of ``problem`` (computed once); raises InvalidProblem."""
        return self._expected.get(problem)

    def evaluate(self, problem: Problem, code: str, *, measure: bool = True,
                 aggregate: Aggregate = "sum") -> Measurement:
        """Correctness, then (for passing code) instructions. Never raises for the candidate's faults."""
        started = time.monotonic()
        with self._lock:
            self.evaluations += 1
        m = self.judge.evaluate(problem, code, measure=measure, aggregate=aggregate)
        m.seconds = time.monotonic() - started
        return m

    # ------------------------------------------------------------------ groups
    def stream(self, groups: Sequence[tuple[str, Problem, Sequence[str]]], options: ScoreOptions | None = None,
               progress: Callable[[int], None] | None = None) -> Iterator[GroupOut]:
        """Score ``(group_id, problem, responses)`` groups, yielding each in order as soon as
        its members are measured. Each unique (problem version, code) is judged once."""
        options = options or ScoreOptions()
        plan, work = plan_groups(groups, options, self.environment)
        futures: dict[str, Future[Measurement]] = {w.key: self._pool.submit(self._run, w) for w in work}
        problems = {g[1].version: g[1] for g in groups}
        try:
            for group in plan.groups:
                have = {m.task: futures[m.task].result() for m in group.members if m.task is not None}
                if progress:
                    progress(1)
                yield assemble_planned(group, problems[group.problem_version], plan.options, have)
        finally:
            for fut in futures.values():
                fut.cancel()  # a consumer that stops early leaves no queued work behind

    def _run(self, work: Work) -> Measurement:
        return self.evaluate(work.problem, work.code, measure=work.measure, aggregate=work.aggregate)

    def score_groups(self, groups: Sequence[tuple[Problem, Sequence[str]]], options: ScoreOptions | None = None,
                     progress: Callable[[int], None] | None = None) -> list[GroupResult]:
        """Score many groups, measuring each unique (problem version, code) once."""
        named = [(str(i), p, r) for i, (p, r) in enumerate(groups)]
        return [GroupResult.model_validate(g.model_dump(exclude={"group_id"}))
                for g in self.stream(named, options, progress)]

    def score_group(self, problem: Problem, responses: Sequence[str], options: ScoreOptions | None = None) -> GroupResult:
        return self.score_groups([(problem, responses)], options)[0]
