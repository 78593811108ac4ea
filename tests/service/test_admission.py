"""Admission on both backends: cache hits, in-flight copies, the bound (all or nothing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reward_service.problem import Problem
from reward_service.results import Measurement
from reward_service.service.queue.admission import Admission, Admitted, LocalAdmission, RedisAdmission
from reward_service.service.queue.task_queue import LocalTaskQueue, RedisTaskQueue, Task, TaskQueue
from reward_service.service.state.cache import ResultCache
from reward_service.service.state.problems_store import ProblemStore
from reward_service.service.state.store import MemoryStore, RedisStore, connect
from reward_service.verdict import Verdict

from . import problems as p
from .conftest import RedisServer


@pytest.fixture(params=["redis", "local"])
def parts(request: pytest.FixtureRequest, redis_server: RedisServer) -> Iterator[tuple[Admission, TaskQueue, ResultCache]]:
    if request.param == "local":
        store = MemoryStore()
        queue = LocalTaskQueue(store)
        cache = ResultCache(store)
        yield LocalAdmission(cache, queue, ProblemStore(store)), queue, cache
        return
    redis_server.client().flushall()
    client = connect(redis_server.url)
    yield RedisAdmission(client), RedisTaskQueue(client), ResultCache(RedisStore(client))
    client.close()


def task(key: str) -> Task:
    return Task(key=key, problem_version="v1", code="def f(): pass\n")


def test_hits_in_flight_and_new(parts: tuple[Admission, TaskQueue, ResultCache]) -> None:
    admission, queue, cache = parts
    cache.put("done", Measurement(verdict=Verdict.passed, instructions=5))
    assert queue.enqueue([task("busy")]) == 1
    assert admission.admit([task("done"), task("busy"), task("new")], bound=10) == Admitted(cached=1, enqueued=1)
    assert queue.depth() == 2 and queue.in_flight(["new"]) == [True]
    assert admission.admit([task("new")], bound=10) == Admitted(cached=0, enqueued=0)  # a resend: queued once
    assert admission.admit([], bound=10) == Admitted(0, 0)


def test_over_the_bound_nothing_is_enqueued(parts: tuple[Admission, TaskQueue, ResultCache]) -> None:
    admission, queue, cache = parts
    cache.put("done", Measurement(verdict=Verdict.passed, instructions=5))
    assert admission.admit([task("a"), task("b")], bound=2) == Admitted(cached=0, enqueued=2)
    refused = admission.admit([task("done"), task("c"), task("d")], bound=3)
    assert refused == Admitted(cached=1, enqueued=0, refused=True)
    assert queue.depth() == 2 and queue.in_flight(["c", "d"]) == [False, False]
    # cached and in-flight tasks are no new work: never refused
    assert admission.admit([task("done"), task("a")], bound=2) == Admitted(cached=1, enqueued=0)
    assert admission.admit([task("c")], bound=3) == Admitted(cached=0, enqueued=1)


def test_a_batch_larger_than_the_bound_runs_alone(parts: tuple[Admission, TaskQueue, ResultCache]) -> None:
    admission, queue, cache = parts
    big = [task(f"big{i}") for i in range(5)]
    # an empty queue takes it (refusing it would refuse it forever) ...
    assert admission.admit(big, bound=3) == Admitted(cached=0, enqueued=5)
    assert queue.depth() == 5
    # ... and a busy one refuses what would take it past the bound, however small
    assert admission.admit([task("small")], bound=3) == Admitted(cached=0, enqueued=0, refused=True)
    assert admission.admit(big[:2], bound=3) == Admitted(cached=0, enqueued=0)  # in flight: no new work


def test_a_stale_problem_version_does_nothing(parts: tuple[Admission, TaskQueue, ResultCache]) -> None:
    admission, queue, cache = parts
    problems = ProblemStore(cache.store)
    version, _ = problems.put(Problem.model_validate(p.sumto("t/p")))
    assert admission.admit([task("a")], bound=10, expect=("t/p", "other")) == Admitted(0, 0, stale=True)
    assert admission.admit([], bound=10, expect=("t/gone", version)) == Admitted(0, 0, stale=True)
    assert queue.depth() == 0 and queue.in_flight(["a"]) == [False]
    assert admission.admit([task("a")], bound=10, expect=("t/p", version)) == Admitted(cached=0, enqueued=1)
