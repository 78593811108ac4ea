"""Run one task: fetch its problem by version, score the code, record the measurement.

Candidate faults come back from the scorer as verdicts; infrastructure faults as
``sandbox_error``. Anything :func:`measure` raises is a fault of the service itself (the
problem version is gone, say) and is left to :mod:`.retry`.
"""

from __future__ import annotations

from ..results import Measurement
from ..scoring import Scorer
from ..verdict import Verdict
from . import keys, metrics
from .cache import ResultCache
from .problems_store import ProblemStore
from .queue import Task
from .store import Store

__all__ = ["measure", "record"]


def measure(task: Task, scorer: Scorer, problems: ProblemStore) -> Measurement:
    """Score the task's code (the expensive part: sandbox and meter)."""
    problem = problems.by_version(task.problem_version)
    return scorer.evaluate(problem, task.code, measure=task.measure, aggregate=task.aggregate)


def record(task: Task, measurement: Measurement, cache: ResultCache, store: Store) -> None:
    """Store the measurement for its waiters and count it (before the task is acknowledged)."""
    cache.put(task.key, measurement)
    store.hincr(keys.STATS, "measurements")
    metrics.WORKER_MEASUREMENTS.labels(measurement.verdict.value).inc()
    metrics.WORKER_SANDBOX_SECONDS.observe(measurement.seconds)
    if measurement.verdict is Verdict.sandbox_error:
        store.hincr(keys.STATS, "sandbox_errors")
        metrics.WORKER_SANDBOX_ERRORS.inc()
    elif measurement.instructions is not None:
        metrics.WORKER_INSTRUCTIONS.observe(measurement.instructions)
