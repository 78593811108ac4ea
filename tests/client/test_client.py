"""The client's retry policy against a real uvicorn server that answers from a script:
429 (Retry-After honoured), 5xx and transport errors are retried within the call's
deadline; 4xx never are; results are the service's typed models."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from reward_service.client import AsyncRewardClient, GroupIn, RetryPolicy, RewardClient, ServiceError, TransportFailed
from reward_service.client import RewardsResponse as Typed

from ..service.conftest import free_port

OK = {"groups": [{"group_id": "0", "problem_id": "p", "problem_version": "v", "summary": {},
                  "results": [{"index": 0, "reward": -1.5, "verdict": "format_error"}]}]}  # fmt: skip


class Scripted:
    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str]]] = []
        self.calls: list[float] = []
        self.bodies: list[Any] = []
        app = FastAPI()

        @app.post("/v1/rewards")
        async def rewards(request: Request) -> JSONResponse:
            self.calls.append(time.monotonic())
            self.bodies.append(await request.json())
            status, headers = self.script.pop(0) if self.script else (200, {})
            body: Any = OK if status == 200 else {"error": {"code": f"e{status}", "message": "scripted"}}
            return JSONResponse(body, status_code=status, headers=headers)

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    server = Scripted()
    server.thread.start()
    deadline = time.monotonic() + 10
    while not server.server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield server
    server.server.should_exit = True
    server.thread.join(10)


GROUP = [GroupIn(problem_id="p", responses=["no code"])]
FAST = RetryPolicy(attempts=5, base_s=0.01, cap_s=0.05)


def test_retries_429_after_retry_after_and_5xx(scripted: Scripted) -> None:
    scripted.script = [(429, {"Retry-After": "1"}), (503, {}), (500, {})]
    with RewardClient(scripted.url, retry=FAST) as client:
        reply = client.rewards(GROUP, deadline_s=30)
    assert isinstance(reply, Typed) and reply.groups[0].results[0].reward == -1.5
    assert len(scripted.calls) == 4
    assert scripted.calls[1] - scripted.calls[0] >= 0.95  # Retry-After: 1, not the 0.01 s backoff
    assert all(b == scripted.bodies[0] for b in scripted.bodies)  # resends are the same request
    assert scripted.bodies[0]["options"]["deadline_s"] == 28.0  # the service answers before the client gives up


def test_never_retries_4xx(scripted: Scripted) -> None:
    scripted.script = [(422, {}), (200, {})]
    with RewardClient(scripted.url, retry=FAST) as client, pytest.raises(ServiceError) as caught:
        client.rewards(GROUP)
    assert caught.value.status_code == 422 and caught.value.error_code == "e422"
    assert len(scripted.calls) == 1


def test_gives_up_at_the_deadline(scripted: Scripted) -> None:
    scripted.script = [(503, {})] * 100
    with RewardClient(scripted.url, retry=RetryPolicy(attempts=100, base_s=0.2, cap_s=0.2)) as client:
        start = time.monotonic()
        with pytest.raises(ServiceError) as caught:
            client.rewards(GROUP, deadline_s=1.0)
    assert caught.value.status_code == 503 and time.monotonic() - start < 2.0


def test_transport_errors_retried_then_reported() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with RewardClient(dead, retry=FAST) as client, pytest.raises(TransportFailed):
        client.rewards(GROUP, deadline_s=5)


def test_async_client(scripted: Scripted) -> None:
    scripted.script = [(502, {})]

    async def run() -> Typed:
        async with AsyncRewardClient(scripted.url, retry=FAST) as client:
            return await client.rewards(GROUP)

    assert asyncio.run(run()).groups[0].results[0].verdict.value == "format_error"
    assert len(scripted.calls) == 2


def test_by_default_it_retries_until_the_deadline_not_a_number_of_sends(scripted: Scripted) -> None:
    # An integration review: 8 sends gave up after ~15 s, so a service restarting for a
    # minute ended a training run whose reward calls had 600 s deadlines.
    scripted.script = [(503, {})] * 30
    policy = RetryPolicy(base_s=0.01, cap_s=0.02)
    assert policy.attempts is None
    with RewardClient(scripted.url, retry=policy) as client:
        reply = client.rewards(GROUP, deadline_s=30)
    assert isinstance(reply, Typed) and len(scripted.calls) == 31
