"""What happens when a task fails: retry it, or give up and dead-letter it.

Every delivery of a task counts one attempt (first read, reclaim from a dead worker, or
retry after an error; see :mod:`.queue`). A delivery past ``max_attempts`` is not run:
the task goes to the dead-letter stream with its last error, and its responses get
``sandbox_error`` (reward null, so the trainer masks them instead of learning a 0).
"""

from __future__ import annotations

from ...results import Diagnostic, Measurement
from ...verdict import Verdict
from .. import metrics
from ..state import keys
from ..state.cache import ResultCache
from ..state.store import Store
from .task_queue import Delivery, TaskQueue

__all__ = ["RetryPolicy"]


class RetryPolicy:
    def __init__(self, max_attempts: int, queue: TaskQueue, cache: ResultCache, store: Store) -> None:
        self.max_attempts = max_attempts
        self.queue = queue
        self.cache = cache
        self.store = store

    def exhausted(self, delivery: Delivery) -> bool:
        """True when this delivery is one attempt too many."""
        return delivery.attempt > self.max_attempts

    def give_up(self, delivery: Delivery, error: str) -> None:
        """Dead-letter the task; its waiters see a sandbox_error measurement."""
        attempts = min(delivery.attempt, self.max_attempts)
        message = f"gave up after {attempts} attempts: {error or 'worker lost while running it'}"
        failed = Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(message=message[:2000]))
        self.cache.put(delivery.task.key, failed)
        self.queue.dead_letter(delivery, error or "worker lost while running it")
        self.store.hincr(keys.STATS, "tasks_dead_lettered")
        self.store.hincr(keys.STATS, "sandbox_errors")
        metrics.WORKER_DEAD_LETTERED.inc()

    def failed(self, delivery: Delivery, exc: BaseException) -> None:
        """An attempt raised: retry at once, or give up on the last attempt."""
        error = f"{type(exc).__name__}: {exc}"
        self.queue.record_error(delivery, error)
        if delivery.attempt >= self.max_attempts:
            self.give_up(delivery, error)
        else:
            self.queue.retry(delivery)
