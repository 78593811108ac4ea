"""The board of groups assembled across requests: who has joined a group so far.

A group is named by the caller's key and fixed by its first member: size, problem
version and scoring options (its *meta*). Each member is registered once under its index
with the digest of its response and what it waits for (a task, or a verdict known
without running). A join is atomic: it checks the meta and every member against what is
registered, adds the new members, pushes the expiry out to the caller's deadline plus
``GROUP_GRACE_S`` and, once every member is registered, announces the group (so waiters on
every API replica re-read it once, then wait for the members' measurements).

A member is named by its index, or by a caller's member id (``auto``): such a member gets
the next free index once, and a resend with the same id gets the same index. Resending a
member with the same response is a no-op; a different response under a
registered index, or another size, problem or options, is a :class:`~reward_service.errors.Conflict`.

A waiter re-reads its group with :meth:`Board.look`, which also brings the results stored
so far for the members' tasks (one round trip on Redis instead of two).

Two backends, as for the rest of the state: :class:`RedisBoard` (a hash per group, one
Lua script per join or look, each replying with one JSON string) and :class:`MemoryBoard`
(the embedded mode; expired groups are swept on the next join; results are left to the
in-process result cache).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis
from pydantic import BaseModel, ConfigDict

from ...errors import Conflict
from ...results import Measurement, ScoreOptions
from ..queue.completions import Completions
from ..queue.task_queue import Task
from . import keys
from .store import redis_errors

__all__ = ["GroupMeta", "MemberRecord", "Board", "RedisBoard", "MemoryBoard"]


class GroupMeta(BaseModel):
    """What every member of a group must agree on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size: int
    problem_version: str
    options: ScoreOptions


class MemberRecord(BaseModel):
    """One registered member: its response's digest and what its reward waits for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    response_sha: str
    task: Task | None = None  # measured by a worker (kept whole so any waiter can re-enqueue it)
    pre: Measurement | None = None  # verdict known without running


def _field(index: int) -> str:
    return f"m:{index}"


def _conflict(group_key: str, what: str) -> Conflict:
    return Conflict(f"group {group_key!r}: {what} differs from what was registered", group_key=group_key)


class Board(Protocol):
    def join(
        self,
        group_key: str,
        meta: GroupMeta,
        members: Mapping[int, MemberRecord],
        ttl_s: float,
        auto: Mapping[str, MemberRecord] | None = None,
    ) -> tuple[dict[int, MemberRecord], dict[str, int]]: ...
    def read(self, group_key: str) -> tuple[GroupMeta | None, dict[int, MemberRecord]]: ...
    def look(self, group_key: str) -> tuple[dict[int, MemberRecord], dict[str, str]]: ...


# KEYS[1]: the group hash. ARGV: meta JSON, expiry (ms), channel, notice, size, then triples (kind, id, member
# JSON): kind 'm' with the member's index, or 'a' with a caller's member id (the next free index is assigned
# to it once; 'id:{member id}' remembers which). Checks everything before writing anything; publishes the
# group's notice once every member is registered (a waiter needs no notice for each join, only for the last).
# Returns {0, JSON [{index: member JSON}, {member id: index}]} (one bulk string: decoded in C, not item by item
# by redis-py's parser); {1, field} on a conflict; {2, id} when the group is full.
_JOIN = """
local meta = redis.call('HGET', KEYS[1], 'meta')
if meta and meta ~= ARGV[1] then return {1, 'meta'} end
local size = tonumber(ARGV[5])
for i = 6, #ARGV, 3 do
  local field = nil
  if ARGV[i] == 'm' then
    field = 'm:' .. ARGV[i + 1]
  else
    local idx = redis.call('HGET', KEYS[1], 'id:' .. ARGV[i + 1])
    if idx then field = 'm:' .. idx end
  end
  if field then
    local old = redis.call('HGET', KEYS[1], field)
    if old and old ~= ARGV[i + 2] then return {1, field} end
  end
end
if not meta then redis.call('HSET', KEYS[1], 'meta', ARGV[1]) end
local assigned = {}
for i = 6, #ARGV, 3 do
  if ARGV[i] == 'm' then
    redis.call('HSETNX', KEYS[1], 'm:' .. ARGV[i + 1], ARGV[i + 2])
  else
    local idx = redis.call('HGET', KEYS[1], 'id:' .. ARGV[i + 1])
    if not idx then
      idx = redis.call('HINCRBY', KEYS[1], 'next', 1) - 1
      while redis.call('HEXISTS', KEYS[1], 'm:' .. idx) == 1 do idx = redis.call('HINCRBY', KEYS[1], 'next', 1) - 1 end
      if idx >= size then return {2, ARGV[i + 1]} end
      redis.call('HSET', KEYS[1], 'id:' .. ARGV[i + 1], idx)
    end
    redis.call('HSETNX', KEYS[1], 'm:' .. idx, ARGV[i + 2])
    assigned[ARGV[i + 1]] = tonumber(idx)
  end
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local all = redis.call('HGETALL', KEYS[1])
local members, count = {}, 0
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'm:' then
    members[string.sub(all[i], 3)] = all[i + 1]
    count = count + 1
  end
end
if count >= size then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return {0, cjson.encode({members, assigned})}
"""


# KEYS[1]: the group hash. ARGV[1]: the result key prefix. A waiter's re-read after the group's notice: the
# members and, in the same round trip, the stored results of their tasks. Returns JSON [{index: member JSON},
# {task id: result JSON}].
_LOOK = """
local all = redis.call('HGETALL', KEYS[1])
local members, found = {}, {}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'm:' then
    members[string.sub(all[i], 3)] = all[i + 1]
    local task = cjson.decode(all[i + 1]).task
    if type(task) == 'table' and task.key then
      local result = redis.call('GET', ARGV[1] .. task.key)
      if result then found[task.key] = result end
    end
  end
end
return cjson.encode({members, found})
"""


@functools.lru_cache(maxsize=2048)
def _record(raw: str) -> MemberRecord:
    """Parsed once per process: every waiter of a group reads the same records (frozen models)."""
    return MemberRecord.model_validate_json(raw)


def _members(raw: Mapping[str, str]) -> dict[int, MemberRecord]:
    """The members of an HGETALL reply."""
    return {int(k[2:]): _record(v) for k, v in raw.items() if k.startswith("m:")}


def _decoded(blob: str) -> tuple[dict[int, MemberRecord], dict[str, Any]]:
    """The members and the second part of a script's JSON reply."""
    members, extra = json.loads(blob)
    return {int(k): _record(v) for k, v in members.items()}, extra


def _full(group_key: str, member_id: str) -> Conflict:
    return Conflict(f"group {group_key!r} is full: no index left for member {member_id!r}", group_key=group_key)


class RedisBoard:
    def __init__(self, client: redis.Redis[str]) -> None:
        self.client = client
        self._join = client.register_script(_JOIN)
        self._look = client.register_script(_LOOK)

    def join(
        self,
        group_key: str,
        meta: GroupMeta,
        members: Mapping[int, MemberRecord],
        ttl_s: float,
        auto: Mapping[str, MemberRecord] | None = None,
    ) -> tuple[dict[int, MemberRecord], dict[str, int]]:
        argv: list[str | int] = [
            meta.model_dump_json(), int(ttl_s * 1000), keys.DONE, keys.group_notice(group_key), meta.size,
        ]  # fmt: skip
        for index, record in members.items():
            argv += ["m", index, record.model_dump_json()]
        for member_id, record in (auto or {}).items():
            argv += ["a", member_id, record.model_dump_json()]
        with redis_errors():
            reply = self._join(keys=[keys.group(group_key)], args=argv)
        status = int(reply[0])
        if status == 1:
            what = "the group's size, problem or options" if reply[1] == "meta" else f"member {reply[1]}"
            raise _conflict(group_key, what)
        if status == 2:
            raise _full(group_key, str(reply[1]))
        members, assigned = _decoded(reply[1])
        return members, {str(k): int(v) for k, v in assigned.items()}

    def read(self, group_key: str) -> tuple[GroupMeta | None, dict[int, MemberRecord]]:
        with redis_errors():
            raw: dict[str, str] = self.client.hgetall(keys.group(group_key))
        meta = GroupMeta.model_validate_json(raw["meta"]) if "meta" in raw else None
        return meta, _members(raw)

    def look(self, group_key: str) -> tuple[dict[int, MemberRecord], dict[str, str]]:
        """The group's members and the stored results of their tasks (raw, by task id): one round trip."""
        with redis_errors():
            reply = self._look(keys=[keys.group(group_key)], args=[keys.result("")])
        members, found = _decoded(reply)
        return members, {str(k): str(v) for k, v in found.items()}


@dataclass
class _Held:
    meta: GroupMeta
    members: dict[int, MemberRecord] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    until: float = 0.0


class MemoryBoard:
    """In-process board for the embedded mode; joins announce to :class:`Completions`."""

    _SWEEP_S = 5.0

    def __init__(self, completions: Completions) -> None:
        self.completions = completions
        self._lock = threading.Lock()
        self._groups: dict[str, _Held] = {}
        self._swept = time.monotonic()

    def _sweep(self, now: float) -> None:
        if now - self._swept >= self._SWEEP_S:
            self._swept = now
            for key in [k for k, held in self._groups.items() if held.until <= now]:
                del self._groups[key]

    def join(
        self,
        group_key: str,
        meta: GroupMeta,
        members: Mapping[int, MemberRecord],
        ttl_s: float,
        auto: Mapping[str, MemberRecord] | None = None,
    ) -> tuple[dict[int, MemberRecord], dict[str, int]]:
        now = time.monotonic()
        auto = auto or {}
        with self._lock:
            self._sweep(now)
            held = self._groups.get(group_key)
            if held is None or held.until <= now:
                held = _Held(meta=meta, until=now)
            if held.meta != meta:
                raise _conflict(group_key, "the group's size, problem or options")
            checks = [(i, r) for i, r in members.items()]
            checks += [(held.ids[m], r) for m, r in auto.items() if m in held.ids]
            for index, record in checks:
                old = held.members.get(index)
                if old is not None and old != record:
                    raise _conflict(group_key, f"member {_field(index)}")
            for index, record in members.items():
                held.members.setdefault(index, record)
            assigned: dict[str, int] = {}
            for member_id, record in auto.items():
                slot = held.ids.get(member_id)
                if slot is None:
                    free = [i for i in range(meta.size) if i not in held.members]
                    if not free:
                        raise _full(group_key, member_id)
                    slot = held.ids[member_id] = free[0]
                held.members.setdefault(slot, record)
                assigned[member_id] = slot
            held.until = max(held.until, now + ttl_s)
            self._groups[group_key] = held
            snapshot = dict(held.members)
        if len(snapshot) >= meta.size:
            self.completions.announce(keys.group_notice(group_key))
        return snapshot, assigned

    def read(self, group_key: str) -> tuple[GroupMeta | None, dict[int, MemberRecord]]:
        with self._lock:
            held = self._groups.get(group_key)
            if held is None or held.until <= time.monotonic():
                return None, {}
            return held.meta, dict(held.members)

    def look(self, group_key: str) -> tuple[dict[int, MemberRecord], dict[str, str]]:
        """The group's members; their results are left to the (in-process) result cache."""
        return self.read(group_key)[1], {}
