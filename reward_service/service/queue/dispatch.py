"""From a request to rewards: plan, submit, collect, assemble.

* :meth:`Dispatcher.plan` plans the batch with the pipeline the CLI uses too
  (:func:`reward_service.pipeline.plan_groups`: triage, then one task per unique problem
  version, normalised code, options and environment).
* :meth:`Dispatcher.submit` looks the tasks up in the result cache, refuses new work with
  429 when it would take a non-empty queue over its bound (an empty queue takes any batch),
  and enqueues the misses (once, across requests), in one step (:mod:`.admission`: one
  round trip on Redis).
* :meth:`Dispatcher.collect` reads what is measured and re-enqueues tasks that were lost.
* :meth:`Dispatcher.assemble` computes the group-normalised rewards once all are in
  (:func:`reward_service.pipeline.assemble`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ...capacity import check_problem_fits
from ...errors import DeadlineExceeded, InvalidInput, LimitExceeded, Overloaded, Unavailable
from ...meter.identity import environment_tag, resolve_backend
from ...pipeline import GroupOut, Plan, assemble, plan_groups
from ...problem import Problem
from ...results import Measurement
from ...settings import Settings
from .. import metrics
from ..backend import Backend
from ..http.schemas import RewardsRequest
from .task_queue import Task

__all__ = ["Dispatcher", "check_limits"]

_POLL_S = 1.0  # how often a waiter reads every missing result, notices or not
_RECHECK_S = 2.0  # how often a waiter checks that missing tasks are still in flight


def check_limits(request: RewardsRequest, settings: Settings) -> None:
    """Raise LimitExceeded (413) for a batch over the configured limits."""
    api = settings.api
    if len(request.groups) > api.max_groups:
        raise LimitExceeded(f"{len(request.groups)} groups; at most {api.max_groups}", limit="max_groups")
    for gi, group in enumerate(request.groups):
        if len(group.responses) > api.max_responses_per_group:
            raise LimitExceeded(
                f"group {gi} has {len(group.responses)} responses; at most {api.max_responses_per_group}",
                limit="max_responses_per_group",
            )
        for ri, response in enumerate(group.responses):
            if len(response) > api.max_code_chars:
                raise LimitExceeded(
                    f"group {gi} response {ri} has {len(response)} characters; at most {api.max_code_chars}",
                    limit="max_code_chars",
                )
    meter = request.options.meter
    running = resolve_backend(settings)
    if meter is not None and meter not in (running, settings.meter.backend):
        raise InvalidInput(f"this service measures with {running!r}, not {meter!r}", option="meter")


class Dispatcher:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.settings = backend.settings
        self.environment = environment_tag(backend.settings)

    def plan(self, request: RewardsRequest, job: str | None = None, *, recall: bool = False) -> tuple[Plan, list[Task]]:
        """The plan and its tasks. With ``recall``, a registered problem is taken at the version
        this process last saw under its id (no round trip): then have :meth:`submit` check it."""
        check_limits(request, self.settings)
        groups: list[tuple[str, Problem, list[str]]] = []
        for gi, group in enumerate(request.groups):
            if group.problem is not None:
                problem = group.problem
                check_problem_fits(self.settings, problem)
                self.backend.problems.put_inline(problem)
            else:
                problem_id = group.problem_id or ""
                recalled = self.backend.problems.recall(problem_id) if recall else None
                problem = recalled if recalled is not None else self.backend.problems.get(problem_id)
            groups.append((group.group_id if group.group_id is not None else str(gi), problem, group.responses))
        plan, work = plan_groups(groups, request.options.score_options(), self.environment)
        tasks = [
            Task(key=w.key, problem_version=w.problem.version, code=w.code, measure=w.measure,
                 aggregate=w.aggregate, job=job, environment=self.environment)
            for w in work
        ]
        return plan, tasks

    def submit(self, tasks: Sequence[Task], expect: tuple[str, str] | None = None) -> bool:
        """Enqueue the tasks not already measured nor in flight; 429 (nothing enqueued) when
        the new ones would take a non-empty queue past its bound (an empty queue takes a batch
        of any size). One round trip (:mod:`.admission`).

        With ``expect`` (problem id, version planned with), False and nothing done when the
        id no longer names that version: plan again, without recall."""
        bound = self.settings.api.max_queued_tasks
        admitted = self.backend.admission.admit(tasks, bound, expect)
        if admitted.stale:
            if expect is not None:
                self.backend.problems.forget(expect[0])
            return False
        metrics.CACHE_LOOKUPS.labels("hit").inc(admitted.cached)
        metrics.CACHE_LOOKUPS.labels("miss").inc(len(tasks) - admitted.cached)
        if admitted.refused:
            raise Overloaded(
                f"queue is over its bound of {bound} tasks; retry later",
                retry_after_s=self.settings.api.retry_after_s,
            )
        metrics.TASKS_ENQUEUED.inc(admitted.enqueued)
        return True

    def collect(self, tasks: Sequence[Task], have: dict[str, Measurement], *, recheck: bool) -> None:
        """Add newly measured results to ``have``; with ``recheck``, re-enqueue lost tasks."""
        missing = [t for t in tasks if t.key not in have]
        if not missing:
            return
        in_flight = self.backend.queue.in_flight([t.key for t in missing]) if recheck else None
        found = self.backend.cache.get_many([t.key for t in missing])
        lost: list[Task] = []
        for i, (task, measurement) in enumerate(zip(missing, found, strict=True)):
            if measurement is not None:
                have[task.key] = measurement
            elif in_flight is not None and not in_flight[i]:
                lost.append(task)  # neither running nor measured: enqueue it again
        if lost:
            metrics.TASKS_ENQUEUED.inc(self.backend.queue.enqueue(lost))

    def wait(self, tasks: Sequence[Task], deadline_s: float) -> dict[str, Measurement]:
        """Wait until every task is measured (synchronous requests).

        Woken by completion notices (see :mod:`.completions`), it reads just the results
        announced; every ``_POLL_S`` it reads all missing ones anyway (a notice may be lost
        while Redis is down), and every ``_RECHECK_S`` re-enqueues tasks that were lost.
        """
        have: dict[str, Measurement] = {}
        deadline = time.monotonic() + deadline_s
        last_poll = last_check = time.monotonic()
        with self.backend.completions.watch(t.key for t in tasks) as watch:
            announced: set[str] | None = None  # None: read every missing result
            while True:
                now = time.monotonic()
                recheck = now - last_check >= _RECHECK_S
                if recheck or now - last_poll >= _POLL_S:
                    announced = None
                try:
                    if announced is None:
                        self.collect(tasks, have, recheck=recheck)
                        last_poll, last_check = now, now if recheck else last_check
                    elif announced:
                        self.collect([t for t in tasks if t.key in announced], have, recheck=False)
                    announced, down = set(), None
                except Unavailable as exc:  # ride out a short outage; the work stays queued
                    announced, down = None, exc
                if len(have) == len(tasks):
                    return have
                left = deadline - time.monotonic()
                if left <= 0:
                    if down is not None:
                        raise down
                    raise DeadlineExceeded(
                        f"{len(tasks) - len(have)} of {len(tasks)} codes not measured within {deadline_s:.0f} s; "
                        "the work stays queued, so asking again later returns cached results",
                        measured=len(have),
                        total=len(tasks),
                    )
                woken = watch.wait(min(left, _POLL_S))
                if announced is not None:
                    announced |= woken

    def assemble(self, plan: Plan, have: dict[str, Measurement]) -> list[GroupOut]:
        out = assemble(plan, self.backend.problems.by_version, have)
        metrics.count_scored(response.verdict for group in out for response in group.results)
        return out
