"""Groups assembled across requests: join the board, wait for the group, reward the members.

A request brings some members of a group (see :mod:`..state.board`). It is planned and
submitted like a batch (identical code is measured once, cached results are reused),
its members are registered on the board, and then it waits, without holding a thread,
until either

* every member of the group is registered and measured: the rewards are the ones a single
  request with the whole group would get (``complete``); or
* its deadline comes: the rewards are normalised over the members present (registered
  and measured), and marked ``partial``. If one of the request's *own* members is still
  unmeasured then, it is a 504 ``deadline_exceeded`` instead (its work stays queued, so a
  resend returns as soon as it is measured).

Until the group is full, a waiter only waits for the group's notice (published by the join
that registers its last member, on any API replica); then it re-reads the group together
with the results stored so far (one round trip), watches the tasks still unmeasured and
reads their results as they are announced. Every ``_POLL_S`` it re-reads anyway (a notice
may be lost), and every ``_RECHECK_S`` re-enqueues tasks of the group that were lost (the
board keeps each member's task whole for that).

The waiters of a group in one API process are woken by the same notice: they share one
re-read (and its assembled rewards) instead of each reading the whole group
(:class:`_SharedLooks`), so a group costs one read per process, not one per member.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from ...errors import DeadlineExceeded
from ...pipeline import assemble_group
from ...results import GroupResult, Measurement
from .. import metrics
from ..http.schemas import GroupIn, GroupMembersRequest, GroupMembersResponse, RewardsRequest
from ..state import keys
from ..state.board import GroupMeta, MemberRecord
from ..state.cache import parse_result
from .dispatch import Dispatcher
from .task_queue import Task

__all__ = ["gather_members"]

_POLL_S = 1.0
_RECHECK_S = 2.0

T = TypeVar("T")


async def _thread(fn: Callable[..., T], *args: Any) -> T:
    return await run_in_threadpool(fn, *args)


def _join(
    dispatcher: Dispatcher, request: GroupMembersRequest, deadline_s: float
) -> tuple[GroupMeta, dict[int, MemberRecord], list[int]]:
    """Plan, submit and register this request's members (blocking: runs in a thread); returns
    the group's members so far and the indices of this request's own, in request order."""
    batch = RewardsRequest(
        groups=[GroupIn(problem_id=request.problem_id, problem=request.problem, responses=[m.response for m in request.members])],
        options=request.options,
    )
    # The problem at the version last seen here, checked by the submit's own round trip; if the
    # id has moved on since, nothing was submitted: plan again with the version read afresh.
    plan, tasks = dispatcher.plan(batch, recall=True)
    expect = (request.problem_id, plan.groups[0].problem_version) if request.problem_id is not None else None
    if not dispatcher.submit(tasks, expect):  # before joining: a member on the board always has its task queued
        plan, tasks = dispatcher.plan(batch)
        dispatcher.submit(tasks)
    by_key = {t.key: t for t in tasks}
    group = plan.groups[0]
    records: dict[int, MemberRecord] = {}
    auto: dict[str, MemberRecord] = {}
    for member, planned in zip(request.members, group.members, strict=True):
        sha = hashlib.sha256(member.response.encode()).hexdigest()
        task = by_key[planned.task] if planned.task is not None else None
        record = MemberRecord(response_sha=sha, task=task, pre=planned.pre)
        if member.index is not None:
            records[member.index] = record
        else:
            auto[member.member_id or ""] = record
    meta = GroupMeta(size=request.size, problem_version=group.problem_version, options=plan.options)
    ttl = deadline_s + keys.GROUP_GRACE_S
    members, assigned = dispatcher.backend.board.join(request.group_key, meta, records, ttl, auto)
    mine = [m.index if m.index is not None else assigned[m.member_id or ""] for m in request.members]
    return meta, members, mine


async def gather_members(dispatcher: Dispatcher, request: GroupMembersRequest, deadline_s: float) -> GroupMembersResponse:
    """Register the request's members, then reply once the group is complete or at the deadline."""
    backend = dispatcher.backend
    deadline = time.monotonic() + deadline_s
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    looks = _shared_looks(loop)
    noticed = looks.started  # the last re-read started before our latest notice

    def wake() -> None:  # on the notifying thread, as the notice comes
        nonlocal noticed
        noticed = looks.started
        loop.call_soon_threadsafe(woken.set)

    notice = keys.group_notice(request.group_key)
    # Watch the group's notice before joining: a member joining in between must wake us.
    first = backend.completions.watch([notice], wake)
    first.__enter__()
    exits: list[Any] = [first]
    watching: frozenset[str] = frozenset([notice])
    try:
        meta, members, mine = await _thread(_join, dispatcher, request, deadline_s)
        have: dict[str, Measurement] = {}
        last_check = time.monotonic()
        while True:
            full = len(members) >= request.size
            if full or time.monotonic() >= deadline:  # results matter only now: until then, wait for the last join
                tasks = {r.task.key: r.task for r in members.values() if r.task is not None}
                missing: list[Task] = [t for k, t in tasks.items() if k not in have]
                if missing:
                    want = frozenset(t.key for t in missing) | {notice}
                    if want != watching:  # in place before the read below, and before the old one goes: no gap
                        cm = backend.completions.watch(want, wake)
                        cm.__enter__()
                        for old in exits:
                            old.__exit__(None, None, None)
                        exits = [cm]
                        watching = want
                    recheck = time.monotonic() - last_check >= _RECHECK_S
                    await run_in_threadpool(dispatcher.collect, missing, have, recheck=recheck)
                    if recheck:
                        last_check = time.monotonic()
                measured = _measured(members, have)
                complete = full and len(measured) == request.size
                if complete or time.monotonic() >= deadline:
                    unmeasured = [i for i in mine if i not in measured]
                    if not complete and unmeasured:
                        raise DeadlineExceeded(
                            f"members {unmeasured} of group {request.group_key!r} not measured within {deadline_s:.0f} s; "
                            "the work stays queued, so sending them again later returns their rewards",
                            measured=len(mine) - len(unmeasured),
                            total=len(mine),
                        )
                    present = sorted(measured)
                    result = await _thread(_assemble, dispatcher, meta, members, have, present)
                    return _reply(request, result, present, mine, complete)
            try:
                await asyncio.wait_for(woken.wait(), timeout=max(0.0, min(deadline - time.monotonic(), _POLL_S)))
            except TimeoutError:
                pass
            woken.clear()  # before the read: a notice after it wakes the next wait
            if len(members) >= request.size:
                continue  # every member is known: only their measurements are awaited
            looked = await looks.look(dispatcher, request.group_key, meta, after=noticed)
            members = looked.members
            have.update(looked.results)
            if looked.rewards is not None:
                return _reply(request, looked.rewards, looked.present, mine, complete=True)
            noticed = looks.started  # what we have read is now the baseline for sharing
            if not members:  # expired or never joined (a flushed Redis): join again
                meta, members, mine = await _thread(_join, dispatcher, request, max(1.0, deadline - time.monotonic()))
    finally:
        for cm in exits:
            cm.__exit__(None, None, None)


def _measured(members: dict[int, MemberRecord], have: dict[str, Measurement]) -> set[int]:
    return {i for i, r in members.items() if r.pre is not None or (r.task is not None and r.task.key in have)}


@dataclass(frozen=True)
class _Looked:
    """One re-read of a group: its members, the results stored for them, and its rewards when
    those complete it (shared by the waiters that asked for it: read-only)."""

    members: dict[int, MemberRecord]
    results: dict[str, Measurement]
    rewards: GroupResult | None
    present: list[int]  # the members ``rewards`` are over


def _look(dispatcher: Dispatcher, group_key: str, meta: GroupMeta) -> _Looked:
    """Re-read the group with the results stored so far (blocking: runs in a thread)."""
    members, found = dispatcher.backend.board.look(group_key)
    results = {key: parse_result(raw) for key, raw in found.items()}
    measured = _measured(members, results)
    if len(members) >= meta.size and len(measured) == meta.size:
        present = sorted(measured)
        return _Looked(members, results, _assemble(dispatcher, meta, members, results, present), present)
    return _Looked(members, results, None, [])


class _SharedLooks:
    """The re-reads in progress in one event loop, by group: a waiter joins one started after
    its latest notice (so it sees at least what that notice announced), else starts its own."""

    def __init__(self) -> None:
        self.started = 0  # re-reads started so far: a waiter notes it at each notice
        self._running: dict[str, tuple[int, asyncio.Future[_Looked]]] = {}

    async def look(self, dispatcher: Dispatcher, group_key: str, meta: GroupMeta, *, after: int) -> _Looked:
        running = self._running.get(group_key)
        if running is not None and running[0] > after:
            return await asyncio.shield(running[1])
        self.started += 1
        number = self.started
        future = asyncio.ensure_future(_thread(_look, dispatcher, group_key, meta))
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved even if nobody waits
        self._running[group_key] = (number, future)
        try:
            return await asyncio.shield(future)
        finally:
            if self._running.get(group_key, (0, None))[1] is future:
                del self._running[group_key]


_LOOKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedLooks] = weakref.WeakKeyDictionary()


def _shared_looks(loop: asyncio.AbstractEventLoop) -> _SharedLooks:
    looks = _LOOKS.get(loop)
    if looks is None:
        looks = _LOOKS[loop] = _SharedLooks()
    return looks


def _assemble(
    dispatcher: Dispatcher,
    meta: GroupMeta,
    members: dict[int, MemberRecord],
    have: dict[str, Measurement],
    present: list[int],
) -> GroupResult:
    """The rewards of the members ``present`` (blocking: the problem may be read)."""
    items: list[Measurement] = []
    for i in present:
        record = members[i]
        items.append(record.pre if record.pre is not None else have[record.task.key if record.task else ""])
    problem = dispatcher.backend.problems.by_version(meta.problem_version)
    return assemble_group(problem, items, meta.options)


def _reply(
    request: GroupMembersRequest, result: GroupResult, present: list[int], mine: list[int], complete: bool
) -> GroupMembersResponse:
    """This request's reply: its own members' results, by their index in the group (counted in
    the scored metric here: a group's rewards may be shared by several waiters, each answers its own)."""
    position = {index: p for p, index in enumerate(present)}
    results = [result.results[position[i]].model_copy(update={"index": i}) for i in mine]
    metrics.count_scored(r.verdict for r in results)
    return GroupMembersResponse(
        group_key=request.group_key,
        complete=complete,
        partial=not complete,
        size=request.size,
        present=present,
        problem_id=result.problem_id,
        problem_version=result.problem_version,
        metered_inputs=result.metered_inputs,
        results=results,
        summary=result.summary,
        error=result.error,
    )
