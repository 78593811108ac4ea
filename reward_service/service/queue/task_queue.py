"""The task queue: one task per unique (problem version, normalised code, meter, image).

:class:`TaskQueue` is the small interface the API and the workers share. Two backends:

* :class:`RedisTaskQueue`: a Redis Stream read by a consumer group. Delivery is
  at-least-once: an entry stays in the group's pending list until acknowledged; a worker
  that dies leaves it there, and :meth:`reclaim` (XAUTOCLAIM) hands it to a live worker
  once it has been idle for the visibility timeout. Acknowledged entries are deleted, so
  the stream's length is the backlog.
* :class:`LocalTaskQueue`: the same contract in process memory, for the embedded mode.

Each delivery counts an attempt (see :mod:`.retry` for what happens past the limit).

Duplicates: :meth:`TaskQueue.enqueue` adds a task only when no copy is in flight (an
in-flight marker, set and checked atomically with the add). :meth:`TaskQueue.complete`
writes the result, counts it, clears the marker, acknowledges the entry and announces the
task id (see :mod:`.completions`) in one transaction; dead-lettering does the same with a
sandbox_error result. So a waiter that sees neither marker nor result knows the task was
lost and may enqueue it again.

Round trips are what a task costs here (Redis is on the other side of a socket and, with
``appendfsync always``, each write transaction waits for an fsync): enqueueing a batch is
one script call per 256 tasks, a read that finds work is one script call (read and count
the attempt), and finishing is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis
import redis.exceptions
from pydantic import BaseModel, ConfigDict

from ...results import Aggregate
from ..state import keys
from ..state.store import Store, redis_errors
from .completions import Completions

__all__ = ["Task", "Delivery", "TaskQueue", "RedisTaskQueue", "LocalTaskQueue"]


class Task(BaseModel):
    """What a worker needs to measure one unique code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str  # the result-cache id; also names the attempts and in-flight keys
    problem_version: str
    code: str
    measure: bool = True
    aggregate: Aggregate = "sum"
    job: str | None = None  # the job that enqueued it (skipped when that job is cancelled)
    environment: str = ""  # the meter, image and hash seed it must be measured with (meter.identity)


@dataclass(frozen=True)
class Delivery:
    """One delivery of a task to a worker."""

    id: str
    task: Task
    attempt: int  # 1 on first delivery; counts reclaims and retries too
    last_error: str = ""


class TaskQueue(Protocol):
    def enqueue(self, tasks: Sequence[Task]) -> int: ...
    def in_flight(self, task_keys: Sequence[str]) -> list[bool]: ...
    def depth(self) -> int: ...
    def oldest_age_s(self) -> float | None: ...
    def read(self, consumer: str, block_s: float) -> Delivery | None: ...
    def reclaim(self, consumer: str, min_idle_s: float, count: int = 16) -> list[Delivery]: ...
    def touch(self, consumer: str, ids: Sequence[str]) -> None: ...
    def ack(self, delivery: Delivery) -> None: ...
    def complete(
        self,
        delivery: Delivery,
        result: str,
        result_ttl_s: float,
        counters: Mapping[str, int],
        *,
        next_for: str | None = None,
    ) -> Delivery | None: ...
    def record_error(self, delivery: Delivery, error: str) -> None: ...
    def retry(self, delivery: Delivery) -> None: ...
    def dead_letter(self, delivery: Delivery, error: str) -> None: ...
    def dead_letters(self, count: int = 100) -> list[dict[str, Any]]: ...


# Add each task unless it is measured already or its in-flight marker exists, atomically (no
# duplicate, no lost task: a result stored between a caller's cache read and this call is not
# measured again; the caller's next poll reads it).
# ARGV: marker expiry (ms), marker key prefix, result key prefix, then (task id, task JSON) pairs.
_ENQUEUE = """
local n = 0
for i = 4, #ARGV, 2 do
  if redis.call('EXISTS', ARGV[3] .. ARGV[i]) == 0
      and redis.call('SET', ARGV[2] .. ARGV[i], '1', 'NX', 'PX', ARGV[1]) then
    redis.call('XADD', KEYS[1], '*', 'key', ARGV[i], 'task', ARGV[i + 1])
    n = n + 1
  end
end
return n
"""

# Read new entries without blocking and count one attempt for each, in one round trip.
# ARGV: group, consumer, count, attempts key prefix, attempts expiry (s).
# Returns {entry id, task JSON, attempt, last error} per entry.
_READ = """
local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
local out = {}
if not reply then return out end
for _, entry in ipairs(reply[1][2]) do
  local fields = {}
  for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
  if fields.task then
    local attempts = ARGV[4] .. (fields.key or cjson.decode(fields.task).key)
    local count = redis.call('HINCRBY', attempts, 'count', 1)
    local last = redis.call('HGET', attempts, 'error') or ''
    redis.call('EXPIRE', attempts, ARGV[5])
    out[#out + 1] = {entry[1], fields.task, count, last}
  end
end
return out
"""
_READ_SHA = hashlib.sha1(_READ.encode()).hexdigest()


class RedisTaskQueue:
    def __init__(self, client: redis.Redis[str]) -> None:
        self.client = client
        self._group_ready = False
        self._enqueue = client.register_script(_ENQUEUE)
        self._read = client.register_script(_READ)

    def ensure_group(self) -> None:
        with redis_errors():
            try:
                self.client.xgroup_create(keys.TASKS, keys.GROUP, id="0", mkstream=True)
            except redis.exceptions.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._group_ready = True

    def enqueue(self, tasks: Sequence[Task]) -> int:
        added = 0
        for start in range(0, len(tasks), 256):
            argv: list[str | int] = [keys.INFLIGHT_TTL_S * 1000, keys.inflight(""), keys.result("")]
            for task in tasks[start : start + 256]:
                argv += [task.key, task.model_dump_json()]
            with redis_errors():
                added += int(self._enqueue(keys=[keys.TASKS], args=argv))
        return added

    def in_flight(self, task_keys: Sequence[str]) -> list[bool]:
        if not task_keys:
            return []
        with redis_errors():
            values = self.client.mget([keys.inflight(k) for k in task_keys])
        return [v is not None for v in values]

    def depth(self) -> int:
        with redis_errors():
            return int(self.client.xlen(keys.TASKS))

    def oldest_age_s(self) -> float | None:
        with redis_errors():
            first = self.client.xrange(keys.TASKS, count=1)
        if not first:
            return None
        millis = int(str(first[0][0]).split("-", 1)[0])
        return max(0.0, time.time() - millis / 1000.0)

    def _count(self, entries: Sequence[Any]) -> list[Delivery]:
        """Count one attempt for each delivered entry (one MULTI/EXEC for all of them)."""
        parsed = [(str(eid), Task.model_validate_json(fields["task"])) for eid, fields in entries if fields]
        if not parsed:
            return []
        with redis_errors():
            pipe = self.client.pipeline(transaction=True)
            for _, task in parsed:
                pipe.hincrby(keys.attempts(task.key), "count", 1)
                pipe.hget(keys.attempts(task.key), "error")
                pipe.expire(keys.attempts(task.key), keys.ATTEMPTS_TTL_S)
            replies = pipe.execute()
        return [Delivery(eid, task, int(replies[3 * i]), str(replies[3 * i + 1] or "")) for i, (eid, task) in enumerate(parsed)]

    def read(self, consumer: str, block_s: float) -> Delivery | None:
        """One new entry: a script call when work is waiting, else block for one and count it.

        One entry at a time (COUNT 1): a worker slot that fetched more would sit on work an
        idle worker could run, and tasks take from milliseconds to seconds.
        """
        if not self._group_ready:
            self.ensure_group()
        with redis_errors():
            try:
                ready = self._read(keys=[keys.TASKS], args=self._read_args(consumer))
                if ready:
                    return self._delivery(ready)
                reply = self.client.xreadgroup(
                    keys.GROUP, consumer, {keys.TASKS: ">"}, count=1, block=max(1, int(block_s * 1000))
                )
            except redis.exceptions.ResponseError as exc:
                if "NOGROUP" in str(exc):  # Redis lost its data: recreate and read again later
                    self._group_ready = False
                    return None
                raise
        if not reply:
            return None
        deliveries = self._count(reply[0][1])
        return deliveries[0] if deliveries else None

    @staticmethod
    def _read_args(consumer: str) -> list[str | int]:
        return [keys.GROUP, consumer, 1, keys.attempts(""), keys.ATTEMPTS_TTL_S]

    @staticmethod
    def _delivery(ready: Sequence[Any]) -> Delivery | None:
        """The Delivery of a _READ reply, if it holds one."""
        if not ready:
            return None
        eid, raw, count, error = ready[0]
        return Delivery(str(eid), Task.model_validate_json(raw), int(count), str(error or ""))

    def reclaim(self, consumer: str, min_idle_s: float, count: int = 16) -> list[Delivery]:
        if not self._group_ready:
            self.ensure_group()
        with redis_errors():
            reply = self.client.xautoclaim(
                keys.TASKS, keys.GROUP, consumer, min_idle_time=int(min_idle_s * 1000), start_id="0-0", count=count
            )
        entries = reply[1] if len(reply) > 1 else []
        return self._count([e for e in entries if e and e[1]])

    def touch(self, consumer: str, ids: Sequence[str]) -> None:
        """Reset the idle time of entries still being worked on, so they are not reclaimed."""
        if ids:
            with redis_errors():
                self.client.xclaim(  # type: ignore[no-untyped-call]
                    keys.TASKS, keys.GROUP, consumer, 0, list(ids), justid=True
                )

    def ack(self, delivery: Delivery) -> None:
        with redis_errors():
            pipe = self.client.pipeline(transaction=True)
            pipe.xack(keys.TASKS, keys.GROUP, delivery.id)
            pipe.xdel(keys.TASKS, delivery.id)
            pipe.delete(keys.attempts(delivery.task.key), keys.inflight(delivery.task.key))
            pipe.execute()

    def complete(
        self,
        delivery: Delivery,
        result: str,
        result_ttl_s: float,
        counters: Mapping[str, int],
        *,
        next_for: str | None = None,
    ) -> Delivery | None:
        """Store the result, count it, acknowledge the task and announce it: one transaction.

        With ``next_for``, the same transaction also reads that consumer's next new entry
        (without blocking), so a busy worker slot costs one round trip per task.
        """
        key = delivery.task.key
        read = next_for is not None and self._group_ready
        with redis_errors():
            pipe = self.client.pipeline(transaction=True)
            pipe.set(keys.result(key), result, px=max(1, int(result_ttl_s * 1000)))
            for counter, by in counters.items():
                pipe.hincrby(keys.STATS, counter, by)
            pipe.xack(keys.TASKS, keys.GROUP, delivery.id)
            pipe.xdel(keys.TASKS, delivery.id)
            pipe.delete(keys.attempts(key), keys.inflight(key))
            pipe.publish(keys.DONE, key)
            if read:  # EVALSHA, not the Script object: a pipeline would first ask SCRIPT EXISTS
                pipe.evalsha(_READ_SHA, 1, keys.TASKS, *self._read_args(next_for or ""))
            replies = pipe.execute(raise_on_error=False)
            done = replies[:-1] if read else replies
            for reply in done:
                if isinstance(reply, Exception):
                    raise reply
        if not read:
            return None
        if isinstance(replies[-1], Exception):  # NOSCRIPT or NOGROUP: the slot reads on its own
            if "NOGROUP" in str(replies[-1]):
                self._group_ready = False
            return None
        return self._delivery(replies[-1])

    def record_error(self, delivery: Delivery, error: str) -> None:
        with redis_errors():
            self.client.hset(keys.attempts(delivery.task.key), "error", error[:2000])

    def retry(self, delivery: Delivery) -> None:
        with redis_errors():
            pipe = self.client.pipeline(transaction=True)
            pipe.xadd(keys.TASKS, {"key": delivery.task.key, "task": delivery.task.model_dump_json()})
            pipe.xack(keys.TASKS, keys.GROUP, delivery.id)
            pipe.xdel(keys.TASKS, delivery.id)
            pipe.execute()

    def dead_letter(self, delivery: Delivery, error: str) -> None:
        entry = {"task": delivery.task.model_dump_json(), "error": error[:2000], "attempts": str(delivery.attempt)}
        with redis_errors():
            pipe = self.client.pipeline(transaction=True)
            pipe.xadd(keys.DEAD, entry, maxlen=keys.DEAD_MAXLEN, approximate=True)
            pipe.xack(keys.TASKS, keys.GROUP, delivery.id)
            pipe.xdel(keys.TASKS, delivery.id)
            pipe.delete(keys.attempts(delivery.task.key), keys.inflight(delivery.task.key))
            pipe.publish(keys.DONE, delivery.task.key)
            pipe.execute()

    def dead_letters(self, count: int = 100) -> list[dict[str, Any]]:
        with redis_errors():
            entries = self.client.xrevrange(keys.DEAD, count=count)
        return [{"id": str(eid), **{k: v for k, v in fields.items()}} for eid, fields in entries]


@dataclass
class _Running:
    task: Task
    consumer: str
    touched: float


class LocalTaskQueue:
    """In-memory queue with the same delivery, reclaim and attempt semantics.

    ``store`` receives the results of :meth:`complete`; ``completions`` its announcements.
    """

    def __init__(self, store: Store, completions: Completions | None = None) -> None:
        self.store = store
        self.completions = completions
        self._cond = threading.Condition()
        self._ready: deque[tuple[str, Task, float]] = deque()
        self._running: dict[str, _Running] = {}
        self._attempts: dict[str, tuple[int, str]] = {}
        self._dead: deque[dict[str, Any]] = deque(maxlen=keys.DEAD_MAXLEN)
        self._inflight: set[str] = set()

    def enqueue(self, tasks: Sequence[Task]) -> int:
        added = 0
        with self._cond:
            now = time.time()
            for task in tasks:
                if task.key not in self._inflight:
                    self._inflight.add(task.key)
                    self._ready.append((uuid.uuid4().hex, task, now))
                    added += 1
            self._cond.notify_all()
        return added

    def in_flight(self, task_keys: Sequence[str]) -> list[bool]:
        with self._cond:
            return [k in self._inflight for k in task_keys]

    def depth(self) -> int:
        with self._cond:
            return len(self._ready) + len(self._running)

    def oldest_age_s(self) -> float | None:
        with self._cond:
            return time.time() - self._ready[0][2] if self._ready else None

    def _deliver(self, eid: str, task: Task, consumer: str) -> Delivery:
        count, error = self._attempts.get(task.key, (0, ""))
        self._attempts[task.key] = (count + 1, error)
        self._running[eid] = _Running(task, consumer, time.monotonic())
        return Delivery(eid, task, count + 1, error)

    def read(self, consumer: str, block_s: float) -> Delivery | None:
        deadline = time.monotonic() + block_s
        with self._cond:
            while not self._ready:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            eid, task, _ = self._ready.popleft()
            return self._deliver(eid, task, consumer)

    def reclaim(self, consumer: str, min_idle_s: float, count: int = 16) -> list[Delivery]:
        now = time.monotonic()
        with self._cond:
            stale = [eid for eid, r in self._running.items() if now - r.touched >= min_idle_s][:count]
            return [self._deliver(eid, self._running.pop(eid).task, consumer) for eid in stale]

    def touch(self, consumer: str, ids: Sequence[str]) -> None:
        with self._cond:
            for eid in ids:
                if eid in self._running:
                    self._running[eid].touched = time.monotonic()

    def ack(self, delivery: Delivery) -> None:
        with self._cond:
            self._running.pop(delivery.id, None)
            self._attempts.pop(delivery.task.key, None)
            self._inflight.discard(delivery.task.key)

    def complete(
        self,
        delivery: Delivery,
        result: str,
        result_ttl_s: float,
        counters: Mapping[str, int],
        *,
        next_for: str | None = None,
    ) -> Delivery | None:
        self.store.set(keys.result(delivery.task.key), result, ttl_s=result_ttl_s)  # before the ack
        for counter, by in counters.items():
            self.store.hincr(keys.STATS, counter, by)
        self.ack(delivery)
        if self.completions is not None:
            self.completions.announce(delivery.task.key)
        return self.read(next_for, block_s=0.0) if next_for is not None else None

    def record_error(self, delivery: Delivery, error: str) -> None:
        with self._cond:
            count, _ = self._attempts.get(delivery.task.key, (0, ""))
            self._attempts[delivery.task.key] = (count, error[:2000])

    def retry(self, delivery: Delivery) -> None:
        with self._cond:
            self._running.pop(delivery.id, None)
            self._ready.append((uuid.uuid4().hex, delivery.task, time.time()))
            self._cond.notify_all()

    def dead_letter(self, delivery: Delivery, error: str) -> None:
        with self._cond:
            self._running.pop(delivery.id, None)
            self._attempts.pop(delivery.task.key, None)
            self._inflight.discard(delivery.task.key)
            self._dead.append({"task": json.loads(delivery.task.model_dump_json()), "error": error[:2000]})
        if self.completions is not None:
            self.completions.announce(delivery.task.key)

    def dead_letters(self, count: int = 100) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._dead)[-count:]
