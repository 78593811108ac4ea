"""The probes (/healthz, /readyz, /metrics) against a real Redis and a real uvicorn process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from . import problems as p
from .conftest import AUTH

_WAITERS = 300  # more than the API's thread pool (app._THREADS = 256)


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no thread count")


async def _probe(client: httpx.AsyncClient, path: str) -> tuple[str, tuple[int, float]]:
    started = time.monotonic()
    try:
        reply = await client.get(path, timeout=10)
        return path, (reply.status_code, time.monotonic() - started)
    except httpx.TimeoutException:
        return path, (0, time.monotonic() - started)


def test_probes_answer_while_the_thread_pool_is_full_of_waiting_requests(make_cluster: Any) -> None:
    cluster = make_cluster(REWARD_API__SYNC_DEADLINE_S=120)
    url = cluster.api()  # no worker: every POST /v1/rewards waits out its deadline in a pool thread
    api_pid = cluster.procs[-1].pid
    httpx.put(url + "/v1/problems/t/starve", json=p.sumto("t/starve"), headers=AUTH).raise_for_status()
    body = {"groups": [{"problem_id": "t/starve", "responses": [p.fenced("def sumto(n):\n    return n * (n + 1) // 2\n")]}],
            "options": {"measure": False, "deadline_s": 40}}  # fmt: skip

    async def run() -> tuple[dict[str, tuple[int, float]], bool]:
        limits = httpx.Limits(max_connections=_WAITERS + 10)
        async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=90, limits=limits) as client:
            waiters = [asyncio.create_task(client.post("/v1/rewards", json=body)) for _ in range(_WAITERS)]
            try:
                deadline = time.monotonic() + 60
                while _threads(api_pid) < 256 and time.monotonic() < deadline:  # the pool is full
                    await asyncio.sleep(0.2)
                assert _threads(api_pid) >= 256, "the waiting requests did not fill the pool"
                await asyncio.sleep(1)
                timings = dict(await asyncio.gather(*(_probe(client, path) for path in ("/healthz", "/readyz", "/metrics"))))
                return timings, not any(w.done() for w in waiters)
            finally:
                for waiter in waiters:
                    waiter.cancel()
                await asyncio.gather(*waiters, return_exceptions=True)

    timings, held = asyncio.run(run())
    assert all(seconds < 2.5 for _, seconds in timings.values()), timings
    assert held, "the waiters were answered: the pool was not held while probing"
    assert timings["/healthz"][0] == 200, timings
    assert timings["/readyz"][0] == 503, timings  # answered: no worker, so not ready
    assert timings["/metrics"][0] == 200, timings


def test_metrics_labels_are_bounded_whatever_the_client_sends(make_cluster: Any) -> None:
    url = make_cluster().api()
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(5):
            client.request(f"XMETHOD{i}", "/healthz")
            client.request(f"XMETHOD{i}", f"/no/such/path/{i}")
            client.request("GET", f"/v1/jobs/unknown{i}", headers=AUTH)
        text = client.get("/metrics").text
    series = [line for line in text.splitlines() if line.startswith("reward_http_requests_total{")]
    assert "XMETHOD" not in text and "unknown" not in text and "/no/such" not in text, series
    assert any('method="other"' in line and 'route="/healthz"' in line for line in series), series
    assert any('method="other"' in line and 'route="unmatched"' in line for line in series), series
    assert any('route="/v1/jobs/{job_id}"' in line and 'status="404"' in line for line in series), series


def test_not_ready_while_no_worker_measures_in_the_apis_environment(make_cluster: Any) -> None:
    cluster = make_cluster()
    url = cluster.api(REWARD_METER__HASH_SEED=7)  # the API tags tasks seed=7; the worker measures with seed=0
    cluster.worker()
    cluster.wait_ready(1)
    reply = httpx.get(url + "/readyz", timeout=10)
    assert reply.status_code == 503, reply.text
    body = reply.json()
    assert body["checks"] == {"redis": True, "workers": True, "sandbox": True, "environment": False}
    assert "environment" in body["reason"] and "seed=7" in body["reason"] and "seed=0" in body["reason"], body
    matching = cluster.api()  # an API of the workers' own environment, on the same cluster: ready
    assert httpx.get(matching + "/readyz", timeout=10).json() == {
        "ready": True, "checks": {"redis": True, "workers": True, "sandbox": True, "environment": True}, "reason": None
    }
