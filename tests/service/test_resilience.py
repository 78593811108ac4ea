"""At-least-once delivery: a worker killed mid-task, Redis restarted mid-batch, overload."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from typing import Any

import httpx
import redis

from . import problems as p
from .conftest import AUTH, RedisServer, wait_job


def _busy_worker_pid(client: redis.Redis[str], timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        names = list(client.scan_iter("rs:worker:*"))
        for raw in client.mget(names) if names else []:
            if raw and json.loads(raw)["busy"] > 0:
                return int(json.loads(raw)["pid"])
        time.sleep(0.05)
    raise AssertionError("no worker picked the task up")


def test_worker_killed_mid_task(make_cluster: Any, redis_server: RedisServer) -> None:
    cluster = make_cluster()
    url = cluster.api()
    workers = [cluster.worker(), cluster.worker()]
    cluster.wait_ready(2)
    client = redis_server.client()
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as api:
        api.put("/v1/problems/t/kill", json=p.sumto("t/kill"))
        body = {"groups": [{"problem_id": "t/kill", "responses": [p.BUSY, p.FAST, p.WRONG]}],
                "options": {"measure": False}}  # fmt: skip
        job_id = api.post("/v1/jobs", json=body).json()["job_id"]
        victim = _busy_worker_pid(client)
        assert victim in {w.pid for w in workers}
        os.kill(victim, signal.SIGKILL)
        job = wait_job(api, job_id, timeout_s=90)
    assert job["state"] == "succeeded"
    verdicts = [r["verdict"] for r in job["result"]["groups"][0]["results"]]
    assert verdicts == ["passed", "passed", "wrong_answer"]
    assert [r["reward"] for r in job["result"]["groups"][0]["results"]] == [1.0, 1.0, 0.0]
    assert int(client.hget("rs:stats", "tasks_reclaimed") or 0) >= 1
    assert client.xlen("rs:tasks") == 0


def test_redis_restart_mid_batch(make_cluster: Any, redis_server: RedisServer) -> None:
    cluster = make_cluster()
    url = cluster.api()
    cluster.worker()
    cluster.wait_ready(1)
    problem = p.sumto("t/restart")
    many = [p.fenced(f"def sumto(n):\n    x = {i}\n    return sum(range(n + 1))\n") for i in range(12)]
    with httpx.Client(base_url=url, headers=AUTH, timeout=120) as api:
        api.put("/v1/problems/t/restart", json=problem)
        job_id = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/restart", "responses": many}]}).json()["job_id"]
        sync: dict[str, Any] = {}
        sync_body = {"groups": [{"problem_id": "t/restart", "responses": [p.SLOW, p.MEDIUM]}]}

        def call_sync() -> None:
            with httpx.Client(base_url=url, headers=AUTH, timeout=120) as other:
                sync["reply"] = other.post("/v1/rewards", json=sync_body)

        caller = threading.Thread(target=call_sync)
        caller.start()
        time.sleep(1.0)
        redis_server.stop()
        try:
            down = api.get(f"/v1/jobs/{job_id}")
            assert down.status_code == 503 and down.json()["error"]["code"] == "unavailable"
            refused = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/restart", "responses": [p.FAST]}]})
            assert refused.status_code == 503
            assert httpx.get(url + "/readyz").status_code == 503
            assert httpx.get(url + "/healthz").status_code == 200
            time.sleep(1.0)
        finally:
            redis_server.start()
        job = wait_job(api, job_id, timeout_s=120)
        caller.join(120)
    assert job["state"] == "succeeded"
    results = job["result"]["groups"][0]["results"]
    assert len(results) == 12 and all(r["verdict"] == "passed" for r in results)
    assert sync["reply"].status_code == 200, sync["reply"].text
    assert [r["verdict"] for r in sync["reply"].json()["groups"][0]["results"]] == ["passed", "passed"]


def test_overload_gets_429_and_keeps_accepted_work(make_cluster: Any) -> None:
    cluster = make_cluster(REWARD_API__MAX_QUEUED_TASKS=4, REWARD_API__RETRY_AFTER_S=7)
    url = cluster.api()  # no worker yet: the queue only fills
    codes = [p.fenced(f"def sumto(n):\n    y = {i}\n    return n * (n + 1) // 2\n") for i in range(6)]
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as api:
        api.put("/v1/problems/t/load", json=p.sumto("t/load"))
        options = {"measure": False}
        first = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/load", "responses": codes[:3]}],
                                           "options": options})  # fmt: skip
        assert first.status_code == 202
        over = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/load", "responses": codes[3:]}],
                                          "options": options})  # fmt: skip
        assert over.status_code == 429 and over.json()["error"]["code"] == "overloaded"
        assert over.headers["retry-after"] == "7"
        sync = api.post("/v1/rewards", json={"groups": [{"problem_id": "t/load", "responses": codes[3:]}],
                                             "options": options})  # fmt: skip
        assert sync.status_code == 429
        # Already queued codes are not new work: asking for them again is accepted.
        again = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/load", "responses": codes[:3]}],
                                           "options": options})  # fmt: skip
        assert again.status_code == 202
        cluster.worker()
        done = wait_job(api, first.json()["job_id"], timeout_s=60)
        assert [r["verdict"] for r in done["result"]["groups"][0]["results"]] == ["passed"] * 3


def test_a_batch_larger_than_the_bound_runs_alone_and_a_refused_job_is_not_stored(
    make_cluster: Any, redis_server: RedisServer
) -> None:
    cluster = make_cluster(REWARD_API__MAX_QUEUED_TASKS=2)
    url = cluster.api()  # no worker yet: the queue only fills
    client = redis_server.client()
    codes = [p.fenced(f"def sumto(n):\n    y = {i}\n    return n * (n + 1) // 2\n") for i in range(7)]
    options = {"measure": False}

    def jobs() -> set[str]:
        return {k for k in client.scan_iter("rs:job:*") if not k.endswith(":state")}

    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as api:
        api.put("/v1/problems/t/big", json=p.sumto("t/big"))
        big = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/big", "responses": codes[:4]}], "options": options})
        assert big.status_code == 202, big.text  # 4 new tasks > bound 2, but the queue was empty
        job_id = big.json()["job_id"]
        for _ in range(3):  # the queue is busy now: refused, and each refusal leaves nothing behind
            over = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/big", "responses": codes[4:]}],
                                              "options": options})  # fmt: skip
            assert over.status_code == 429 and over.json()["error"]["code"] == "overloaded"
        assert jobs() == {f"rs:job:{job_id}"} and set(client.scan_iter("rs:job:*:state")) == {f"rs:job:{job_id}:state"}
        cluster.worker()
        done = wait_job(api, job_id, timeout_s=60)
        assert [r["verdict"] for r in done["result"]["groups"][0]["results"]] == ["passed"] * 4
        late = api.post("/v1/jobs", json={"groups": [{"problem_id": "t/big", "responses": codes[4:]}], "options": options})
        assert late.status_code == 202, late.text  # drained: the same batch now fits
