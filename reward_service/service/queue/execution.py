"""Run one task: fetch its problem by version, score the code, record the measurement.

Candidate faults come back from the scorer as verdicts; infrastructure faults as
``sandbox_error``. Anything :func:`measure` raises is a fault of the service itself (the
problem version is gone, say) and is left to :mod:`.retry`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...meter.identity import environment_tag
from ...results import Diagnostic, Measurement
from ...verdict import Verdict
from .. import metrics
from ..state.cache import result_ttl_s
from ..state.problems_store import ProblemStore
from .task_queue import Delivery, Task, TaskQueue

if TYPE_CHECKING:  # the scorer brings the sandbox: only processes that run workers import it
    from ...scoring import Scorer

__all__ = ["measure", "record"]


def measure(task: Task, scorer: Scorer, problems: ProblemStore) -> Measurement:
    """Score the task's code (the expensive part: sandbox and meter).

    A task keyed for another environment (another meter, image or hash seed: a worker
    configured unlike the API) is not measured here: its count would be mixed with counts
    of another meter under the same key.
    """
    mine = environment_tag(scorer.settings, scorer.meter_name)
    if task.environment and task.environment != mine:
        return Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(
            message=f"this worker measures as {mine!r}; the task was keyed for {task.environment!r}"))
    problem = problems.by_version(task.problem_version)
    return scorer.evaluate(problem, task.code, measure=task.measure, aggregate=task.aggregate)


def record(delivery: Delivery, measurement: Measurement, queue: TaskQueue, *, next_for: str | None = None) -> Delivery | None:
    """Store the measurement for its waiters, count it and acknowledge the task (one
    transaction); with ``next_for``, also fetch that consumer's next task (see
    :meth:`TaskQueue.complete`)."""
    failed = measurement.verdict is Verdict.sandbox_error
    counters = {"measurements": 1, "sandbox_errors": 1} if failed else {"measurements": 1}
    following = queue.complete(delivery, measurement.model_dump_json(), result_ttl_s(measurement), counters, next_for=next_for)
    metrics.WORKER_MEASUREMENTS.labels(measurement.verdict.value).inc()
    metrics.WORKER_SANDBOX_SECONDS.observe(measurement.seconds)
    if failed:
        metrics.WORKER_SANDBOX_ERRORS.inc()
    elif measurement.instructions is not None:
        metrics.WORKER_INSTRUCTIONS.observe(measurement.instructions)
    return following
