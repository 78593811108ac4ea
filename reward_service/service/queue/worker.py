"""The worker: slots that poll the queue, and a housekeeping loop.

Each of ``worker.concurrency`` slot threads reads one delivery at a time and handles it
(:meth:`Worker.handle`): dead-letter it if it is past its attempts, skip it if its job
was cancelled, else measure, record and acknowledge. The housekeeping thread writes the
heartbeat, keeps this worker's running entries fresh (so they are not reclaimed while
still running) and, when a slot is free, reclaims entries abandoned by dead workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ...errors import Unavailable
from ...meter.identity import environment_tag
from ...problem import Case, Problem
from ...results import Measurement
from ...verdict import Verdict
from .. import metrics
from ..backend import Backend
from ..state import keys
from ..state.jobs import JobState
from .execution import measure, record
from .heartbeat import WorkerInfo, beat, worker_name
from .retry import RetryPolicy
from .task_queue import Delivery

if TYPE_CHECKING:  # the scorer brings the sandbox: only processes that run workers import it
    from ...scoring import Scorer

__all__ = ["Worker", "SELF_CHECK_PROBLEM"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Scored (unmetered) at start-up: the heartbeat reports the sandbox ready once it passes.
SELF_CHECK_PROBLEM = Problem(
    id="reward-service/self-check",
    entry_point="add",
    tests=[Case(args=[1, 2], expected=3, has_expected=True)],
)
_SELF_CHECK_CODE = "def add(a, b):\n    return a + b\n"


class Worker:
    def __init__(self, backend: Backend, scorer: Scorer, *, slots: int | None = None, name: str | None = None) -> None:
        ws = backend.settings.worker
        self.backend = backend
        self.scorer = scorer
        self.slots = slots or ws.concurrency
        self.name = name or worker_name()
        self.policy = RetryPolicy(ws.max_attempts, backend.queue, backend.cache, backend.store)
        self.info = WorkerInfo(
            name=self.name, host=socket.gethostname(), pid=os.getpid(), slots=self.slots, started_at=time.time(),
            environment=environment_tag(self.scorer.settings, self.scorer.meter_name),
        )
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, Delivery] = {}
        self._reclaimed: deque[Delivery] = deque()
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._housekeeping, name=f"{self.name}-house", daemon=True)]
        self._threads += [
            threading.Thread(target=self._slot, name=f"{self.name}-slot{i}", daemon=True) for i in range(self.slots)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop reading; wait for running tasks (unfinished ones are reclaimed by others)."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(Unavailable):
            self.backend.store.delete(keys.worker(self.name))

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- slots -----------------------------------------------------------------------

    def _next(self) -> Delivery | None:
        with self._lock:
            if self._reclaimed:
                return self._reclaimed.popleft()
        return self.backend.queue.read(self.name, block_s=1.0)

    def _slot(self) -> None:
        delivery: Delivery | None = None
        while delivery is not None or not self._stop.is_set():
            if delivery is None:
                try:
                    delivery = self._next()
                except Unavailable as exc:
                    log.warning("queue unavailable: %s", exc)
                    self._stop.wait(0.5)
                    continue
                except Exception:
                    log.exception("reading the queue failed")
                    self._stop.wait(1.0)
                    continue
            if delivery is not None:
                # A delivery fetched with the previous one's ack is run even when stopping:
                # it is this slot's, and would otherwise wait out the visibility timeout.
                delivery = self.handle(delivery)

    def handle(self, delivery: Delivery) -> Delivery | None:
        """Run one delivery; returns the next one when it came with this one's ack."""
        with self._lock:
            self._running[delivery.id] = delivery
            self.info.busy = len(self._running)
        started = time.monotonic()
        try:
            return self._handle(delivery)
        except Unavailable as exc:
            # Redis went away; the entry stays pending and is reclaimed once it is back.
            log.warning("lost Redis while handling %s: %s", delivery.task.key, exc)
        except Exception:
            log.exception("handling %s failed", delivery.task.key)
        finally:
            metrics.WORKER_BUSY_SECONDS.inc(time.monotonic() - started)
            with self._lock:
                self._running.pop(delivery.id, None)
                self.info.busy = len(self._running)
        return None

    def _handle(self, delivery: Delivery) -> Delivery | None:
        backend = self.backend
        if self.policy.exhausted(delivery):
            self._persist(lambda: self.policy.give_up(delivery, delivery.last_error))
            return None
        task = delivery.task
        if task.job is not None and backend.jobs.state(task.job) is JobState.cancelled:
            backend.queue.ack(delivery)
            return None
        try:
            measurement = measure(task, self.scorer, backend.problems)
        except Exception as exc:  # noqa: BLE001 - the service's fault, not the candidate's: retry
            log.warning("task %s attempt %d failed: %s", task.key, delivery.attempt, exc)
            error = exc
            self._persist(lambda: self.policy.failed(delivery, error))
            return None
        return self._persist(lambda: self._finish(delivery, measurement))

    def _finish(self, delivery: Delivery, measurement: Measurement) -> Delivery | None:
        """Record and acknowledge; fetch the next task in the same round trip unless stopping
        or reclaimed work is waiting (that goes first)."""
        with self._lock:
            prefetch = not self._stop.is_set() and not self._reclaimed
        return record(delivery, measurement, self.backend.queue, next_for=self.name if prefetch else None)

    def _persist(self, write: Callable[[], T]) -> T:
        """Retry a write through a Redis outage (a measurement is too dear to drop)."""
        deadline = time.monotonic() + self.backend.settings.worker.visibility_timeout_s
        while True:
            try:
                return write()
            except Unavailable:
                if time.monotonic() > deadline or self._stop.is_set():
                    raise
                time.sleep(0.5)

    # -- housekeeping ----------------------------------------------------------------

    def _self_check(self) -> bool:
        try:
            result = self.scorer.evaluate(SELF_CHECK_PROBLEM, _SELF_CHECK_CODE, measure=False)
        except Exception:
            log.exception("sandbox self-check raised")
            return False
        if result.verdict is not Verdict.passed:
            log.error("sandbox self-check: %s %s", result.verdict.value, result.diagnostic.message)
        return result.verdict is Verdict.passed

    def _housekeeping(self) -> None:
        ws = self.backend.settings.worker
        checked = False
        while not self._stop.is_set():
            try:
                beat(self.backend.store, self.info, ws.heartbeat_s)
                if not checked:
                    self.info.sandbox_ready = self._self_check()
                    checked = True
                    beat(self.backend.store, self.info, ws.heartbeat_s)
                with self._lock:
                    running = list(self._running)
                    free = self.slots - len(self._running) - len(self._reclaimed)
                self.backend.queue.touch(self.name, running)
                if free > 0:
                    stale = self.backend.queue.reclaim(self.name, ws.visibility_timeout_s, count=free)
                    if stale:
                        log.warning("reclaimed %d abandoned task(s)", len(stale))
                        self.backend.store.hincr(keys.STATS, "tasks_reclaimed", len(stale))
                        metrics.WORKER_RECLAIMED.inc(len(stale))
                        with self._lock:
                            self._reclaimed.extend(stale)
            except Unavailable as exc:
                log.warning("housekeeping: %s", exc)
            except Exception:
                log.exception("housekeeping failed")
            self._stop.wait(min(ws.heartbeat_s, ws.visibility_timeout_s / 2))
