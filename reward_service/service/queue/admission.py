"""Admission: a request's tasks into the queue, under its bound, in one step.

For each task: a stored result means nothing to do (a cache hit); an in-flight marker means
another request's copy is queued or running; the rest is new work. New work is refused as
a whole when it would take a busy queue past its bound (the caller answers 429 and nothing
was enqueued); otherwise it is enqueued with its in-flight marker. An empty queue admits any
request, however many new tasks it brings: a batch larger than the bound could never fit,
so it runs alone rather than being refused forever (later requests wait for it to drain).

* :class:`RedisAdmission` does all of it in one Lua script, so one round trip per request
  whatever the outcome (it was four: read the results, the markers, the depth, then
  enqueue), and atomically: no task is enqueued twice, nor measured again after its result
  is stored.
With ``expect`` (a problem id and the version the tasks were planned with, when that
version was recalled in process rather than read: see
:meth:`~..state.problems_store.ProblemStore.recall`), nothing is done unless the id still
names that version (``stale``): the caller plans again. So the version is checked by the
first round trip of the request, as when it was read.

* :class:`LocalAdmission` composes the in-process cache and queue (no round trips to save;
  :meth:`~.task_queue.LocalTaskQueue.enqueue` checks the markers atomically).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import redis

from ..state import keys
from ..state.cache import ResultCache
from ..state.problems_store import ProblemStore
from ..state.store import redis_errors
from .task_queue import Task, TaskQueue

__all__ = ["Admitted", "Admission", "RedisAdmission", "LocalAdmission"]


@dataclass(frozen=True)
class Admitted:
    """What became of a request's tasks."""

    cached: int  # already measured
    enqueued: int  # new work, now queued
    refused: bool = False  # the new work would take a non-empty queue past the bound: nothing was enqueued
    stale: bool = False  # the expected problem version is no longer current: nothing was done


class Admission(Protocol):
    def admit(self, tasks: Sequence[Task], bound: int, expect: tuple[str, str] | None = None) -> Admitted: ...


# KEYS[1]: the task stream. ARGV: bound, marker expiry (ms), marker key prefix, result key prefix, the problem
# id key and the version it must name ('' and '': no check), then (task id, task JSON) pairs.
# Returns {cached, enqueued, refused (0 or 1), stale (0 or 1)}.
_ADMIT = """
if ARGV[5] ~= '' and redis.call('GET', ARGV[5]) ~= ARGV[6] then return {0, 0, 0, 1} end
local cached, new = 0, {}
for i = 7, #ARGV, 2 do
  if redis.call('EXISTS', ARGV[4] .. ARGV[i]) == 1 then
    cached = cached + 1
  elseif redis.call('EXISTS', ARGV[3] .. ARGV[i]) == 0 then
    new[#new + 1] = i
  end
end
local depth = #new > 0 and redis.call('XLEN', KEYS[1]) or 0
if depth > 0 and depth + #new > tonumber(ARGV[1]) then return {cached, 0, 1, 0} end
local enqueued = 0
for _, i in ipairs(new) do
  if redis.call('SET', ARGV[3] .. ARGV[i], '1', 'NX', 'PX', ARGV[2]) then
    redis.call('XADD', KEYS[1], '*', 'key', ARGV[i], 'task', ARGV[i + 1])
    enqueued = enqueued + 1
  end
end
return {cached, enqueued, 0, 0}
"""


class RedisAdmission:
    def __init__(self, client: redis.Redis[str]) -> None:
        self._admit = client.register_script(_ADMIT)

    def admit(self, tasks: Sequence[Task], bound: int, expect: tuple[str, str] | None = None) -> Admitted:
        if not tasks and expect is None:
            return Admitted(0, 0)
        problem_key, version = (keys.problem_id(expect[0]), expect[1]) if expect is not None else ("", "")
        argv: list[str | int] = [bound, keys.INFLIGHT_TTL_S * 1000, keys.inflight(""), keys.result(""), problem_key, version]
        for task in tasks:
            argv += [task.key, task.model_dump_json()]
        with redis_errors():
            cached, enqueued, refused, stale = self._admit(keys=[keys.TASKS], args=argv)
        return Admitted(int(cached), int(enqueued), bool(int(refused)), bool(int(stale)))


class LocalAdmission:
    def __init__(self, cache: ResultCache, queue: TaskQueue, problems: ProblemStore) -> None:
        self.cache = cache
        self.queue = queue
        self.problems = problems

    def admit(self, tasks: Sequence[Task], bound: int, expect: tuple[str, str] | None = None) -> Admitted:
        if expect is not None and not self.problems.current(*expect):
            return Admitted(0, 0, stale=True)
        stored = self.cache.get_many([t.key for t in tasks])
        missing = [t for t, m in zip(tasks, stored, strict=True) if m is None]
        busy = self.queue.in_flight([t.key for t in missing])
        new = [t for t, b in zip(missing, busy, strict=True) if not b]
        cached = len(tasks) - len(missing)
        depth = self.queue.depth() if new else 0
        if depth > 0 and depth + len(new) > bound:  # an empty queue takes any batch (see the module docstring)
            return Admitted(cached, 0, refused=True)
        return Admitted(cached, self.queue.enqueue(new))
