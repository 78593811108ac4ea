"""The board of groups assembled across requests: who has joined a group so far.

A group is named by the caller's key and fixed by its first member: size, problem
version and scoring options (its *meta*). Each member is registered once under its index
with the digest of its response and what it waits for (a task, or a verdict known
without running). A join is atomic: it checks the meta and every member against what is
registered, adds the new members, pushes the expiry out to the caller's deadline plus
``GROUP_GRACE_S`` and announces the group (so waiters on every API replica re-read it).

Resending a member with the same response is a no-op; a different response under a
registered index, or another size, problem or options, is a :class:`~reward_service.errors.Conflict`.

Two backends, as for the rest of the state: :class:`RedisBoard` (a hash per group, one
Lua script per join) and :class:`MemoryBoard` (the embedded mode; expired groups are
swept on the next join).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Protocol

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
        self, group_key: str, meta: GroupMeta, members: Mapping[int, MemberRecord], ttl_s: float
    ) -> dict[int, MemberRecord]: ...
    def read(self, group_key: str) -> tuple[GroupMeta | None, dict[int, MemberRecord]]: ...


# KEYS[1]: the group hash. ARGV: meta JSON, expiry (ms), channel, notice, then (field, member JSON) pairs.
# Returns {0, hgetall...} on success, {1, field} on a conflict ('meta' or the member's field).
_JOIN = """
local meta = redis.call('HGET', KEYS[1], 'meta')
if meta and meta ~= ARGV[1] then return {1, 'meta'} end
for i = 5, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  if old and old ~= ARGV[i + 1] then return {1, ARGV[i]} end
end
if not meta then redis.call('HSET', KEYS[1], 'meta', ARGV[1]) end
for i = 5, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {0, redis.call('HGETALL', KEYS[1])}
"""


def _members(raw: Mapping[str, str]) -> dict[int, MemberRecord]:
    return {int(k[2:]): MemberRecord.model_validate_json(v) for k, v in raw.items() if k.startswith("m:")}


class RedisBoard:
    def __init__(self, client: redis.Redis[str]) -> None:
        self.client = client
        self._join = client.register_script(_JOIN)

    def join(self, group_key: str, meta: GroupMeta, members: Mapping[int, MemberRecord], ttl_s: float) -> dict[int, MemberRecord]:
        argv: list[str | int] = [meta.model_dump_json(), int(ttl_s * 1000), keys.DONE, keys.group_notice(group_key)]
        for index, record in members.items():
            argv += [_field(index), record.model_dump_json()]
        with redis_errors():
            status, payload = self._join(keys=[keys.group(group_key)], args=argv)
        if int(status) != 0:
            raise _conflict(group_key, "the group's size, problem or options" if payload == "meta" else f"member {payload}")
        flat = list(payload)
        return _members(dict(zip(flat[::2], flat[1::2], strict=True)))

    def read(self, group_key: str) -> tuple[GroupMeta | None, dict[int, MemberRecord]]:
        with redis_errors():
            raw: dict[str, str] = self.client.hgetall(keys.group(group_key))
        meta = GroupMeta.model_validate_json(raw["meta"]) if "meta" in raw else None
        return meta, _members(raw)


class MemoryBoard:
    """In-process board for the embedded mode; joins announce to :class:`Completions`."""

    _SWEEP_S = 5.0

    def __init__(self, completions: Completions) -> None:
        self.completions = completions
        self._lock = threading.Lock()
        self._groups: dict[str, tuple[GroupMeta, dict[int, MemberRecord], float]] = {}
        self._swept = time.monotonic()

    def _sweep(self, now: float) -> None:
        if now - self._swept >= self._SWEEP_S:
            self._swept = now
            for key in [k for k, (_, _, until) in self._groups.items() if until <= now]:
                del self._groups[key]

    def join(self, group_key: str, meta: GroupMeta, members: Mapping[int, MemberRecord], ttl_s: float) -> dict[int, MemberRecord]:
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            held = self._groups.get(group_key)
            if held is not None and held[2] <= now:
                held = None
            known, registered, until = held if held is not None else (meta, {}, now)
            if known != meta:
                raise _conflict(group_key, "the group's size, problem or options")
            for index, record in members.items():
                old = registered.get(index)
                if old is not None and old != record:
                    raise _conflict(group_key, f"member {_field(index)}")
            for index, record in members.items():
                registered.setdefault(index, record)
            self._groups[group_key] = (known, registered, max(until, now + ttl_s))
            snapshot = dict(registered)
        self.completions.announce(keys.group_notice(group_key))
        return snapshot

    def read(self, group_key: str) -> tuple[GroupMeta | None, dict[int, MemberRecord]]:
        with self._lock:
            held = self._groups.get(group_key)
            if held is None or held[2] <= time.monotonic():
                return None, {}
            return held[0], dict(held[1])
