"""Queue contract on both backends: dedup, attempts, reclaim, retry, dead letter."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from reward_service.results import Measurement
from reward_service.service.queue.retry import RetryPolicy
from reward_service.service.queue.task_queue import LocalTaskQueue, RedisTaskQueue, Task, TaskQueue
from reward_service.service.state import keys
from reward_service.service.state.cache import ResultCache
from reward_service.service.state.store import MemoryStore, RedisStore, Store, connect
from reward_service.verdict import Verdict

from .conftest import RedisServer


@pytest.fixture(params=["redis", "local"])
def backend(request: pytest.FixtureRequest, redis_server: RedisServer) -> Iterator[tuple[TaskQueue, Store]]:
    if request.param == "local":
        store = MemoryStore()
        yield LocalTaskQueue(store), store
        return
    redis_server.client().flushall()
    client = connect(redis_server.url)
    yield RedisTaskQueue(client), RedisStore(client)
    client.close()


def task(key: str) -> Task:
    return Task(key=key, problem_version="v1", code="def f(): pass\n")


def test_enqueue_once_while_in_flight(backend: tuple[TaskQueue, Store]) -> None:
    queue, _ = backend
    assert queue.enqueue([task("a"), task("b"), task("a")]) == 2
    assert queue.enqueue([task("a")]) == 0
    assert queue.depth() == 2 and queue.in_flight(["a", "c"]) == [True, False]
    first = queue.read("w1", block_s=0.1)
    assert first is not None and first.attempt == 1
    queue.ack(first)
    assert queue.in_flight([first.task.key]) == [False]
    assert queue.enqueue([task(first.task.key)]) == 1


def test_reclaim_counts_attempts_then_dead_letters(backend: tuple[TaskQueue, Store]) -> None:
    queue, store = backend
    cache = ResultCache(store)
    policy = RetryPolicy(2, queue, cache, store)
    queue.enqueue([task("t")])
    delivery = queue.read("dead-worker", block_s=0.1)
    assert delivery is not None
    time.sleep(0.05)
    queue.touch("dead-worker", [])
    (again,) = queue.reclaim("live-worker", min_idle_s=0.01)
    assert again.attempt == 2 and not policy.exhausted(again)
    policy.failed(again, RuntimeError("problem version gone"))  # last attempt: give up
    assert queue.depth() == 0 and queue.in_flight(["t"]) == [False]
    (measured,) = cache.get_many(["t"])
    assert measured is not None and measured.verdict is Verdict.sandbox_error
    assert "problem version gone" in measured.diagnostic.message
    assert "problem version gone" in str(queue.dead_letters()[-1]["error"])


def test_retry_keeps_the_attempt_count(backend: tuple[TaskQueue, Store]) -> None:
    queue, store = backend
    policy = RetryPolicy(3, queue, ResultCache(store), store)
    queue.enqueue([task("r")])
    first = queue.read("w", block_s=0.1)
    assert first is not None
    policy.failed(first, ValueError("flaky"))
    second = queue.read("w", block_s=0.1)
    assert second is not None and second.attempt == 2 and "flaky" in second.last_error
    queue.touch("w", [second.id])
    assert queue.reclaim("other", min_idle_s=60) == []


def test_complete_stores_counts_acks_and_fetches_the_next(backend: tuple[TaskQueue, Store]) -> None:
    queue, store = backend
    queue.enqueue([task("c1"), task("c2"), task("c3")])
    first = queue.read("w", block_s=0.1)
    assert first is not None and first.task.key == "c1"
    result = Measurement(verdict=Verdict.passed).model_dump_json()
    second = queue.complete(first, result, 60, {"measurements": 1}, next_for="w")
    assert second is not None and second.task.key == "c2" and second.attempt == 1
    (stored,) = ResultCache(store).get_many(["c1"])
    assert stored is not None and stored.verdict is Verdict.passed
    assert queue.in_flight(["c1", "c2", "c3"]) == [False, True, True]
    assert store.hcounters(keys.STATS) == {"measurements": 1}
    if isinstance(queue, RedisTaskQueue):
        queue.client.script_flush()  # NOSCRIPT: completes, but the slot must read on its own
    third = queue.complete(second, result, 60, {"measurements": 1}, next_for="w") or queue.read("w", block_s=0.1)
    assert third is not None and third.task.key == "c3"
    assert queue.complete(third, result, 60, {"measurements": 1}, next_for="w") is None
    assert queue.depth() == 0 and queue.in_flight(["c3"]) == [False]
    assert store.hcounters(keys.STATS) == {"measurements": 3}
