"""Completion notices wake the requests waiting for a task, on both backends."""

from __future__ import annotations

import time

from reward_service.results import Measurement
from reward_service.service.queue.completions import CompletionFeed, Completions
from reward_service.service.queue.task_queue import LocalTaskQueue, RedisTaskQueue, Task, TaskQueue
from reward_service.service.state.store import MemoryStore, connect
from reward_service.verdict import Verdict

from .conftest import RedisServer

RESULT = Measurement(verdict=Verdict.passed).model_dump_json()


def finish_one(queue: TaskQueue, key: str) -> None:
    queue.enqueue([Task(key=key, problem_version="v1", code="def f(): pass\n")])
    delivery = queue.read("w", block_s=1.0)
    assert delivery is not None
    queue.complete(delivery, RESULT, 60, {})


def test_watch_sees_only_its_tasks() -> None:
    completions = Completions()
    with completions.watch(["a", "b"]) as watch, completions.watch(["c"]) as other:
        completions.announce("a")
        completions.announce("c")
        completions.announce("z")
        assert watch.wait(1.0) == {"a"}
        assert other.wait(1.0) == {"c"}
        started = time.monotonic()
        assert watch.wait(0.05) == set()
        assert time.monotonic() - started >= 0.04
    completions.announce("b")  # nobody watching any more: dropped


def test_local_queue_announces() -> None:
    completions = Completions()
    queue = LocalTaskQueue(MemoryStore(), completions)
    with completions.watch(["t1"]) as watch:
        finish_one(queue, "t1")
        assert watch.wait(1.0) == {"t1"}


def test_redis_completions_reach_the_feed(redis_server: RedisServer) -> None:
    redis_server.client().flushall()
    client = connect(redis_server.url)
    completions = Completions()
    feed = CompletionFeed(client, completions)
    feed.start()
    try:
        with completions.watch(["t2", "t3"]) as watch:
            deadline = time.monotonic() + 10
            while client.pubsub_numsub("rs:done")[0][1] == 0 and time.monotonic() < deadline:
                time.sleep(0.01)  # the feed subscribes in its own thread
            queue = RedisTaskQueue(client)
            finish_one(queue, "t2")
            assert watch.wait(5.0) == {"t2"}
    finally:
        feed.stop()
        client.close()
