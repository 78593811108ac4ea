"""``/healthz``, ``/readyz`` and ``/metrics`` (no authentication, for probes and scrapers).

The probes answer HEAD too: load balancers and ``curl -I`` probe with it.

They are ``async``: the default thread pool is where synchronous requests wait for their
results (``POST /v1/rewards``: up to its deadline), and a probe queued behind them would
miss its healthcheck's timeout and get a busy API restarted. What blocks (Redis reads) runs
on the runtime's own small probe executor under a short timeout: past it, ``/readyz``
says the store is unreachable and ``/metrics`` leaves out the cluster figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Depends, Response

from ..metrics import ClusterCollector, render
from ..queue.heartbeat import live_workers
from ..runtime import Runtime, get_runtime
from .schemas import Health, Readiness

__all__ = ["router", "PROBE_TIMEOUT_S"]

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_S = 2.0  # well inside a healthcheck's timeout (Docker's is 5 s in docker-compose.yml)

T = TypeVar("T")


async def _off_loop(runtime: Runtime, fn: Callable[[], T]) -> T:
    """``fn()`` on the probe executor; TimeoutError past PROBE_TIMEOUT_S (the thread finishes on its own)."""
    future = asyncio.get_running_loop().run_in_executor(runtime.probes, fn)
    return await asyncio.wait_for(future, PROBE_TIMEOUT_S)


@router.api_route("/healthz", methods=["GET", "HEAD"], response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


def _readiness(runtime: Runtime) -> Readiness:
    store = runtime.backend.store
    redis_ok = store.ping()
    workers = live_workers(store) if redis_ok else []
    ready_workers = [w for w in workers if w.sandbox_ready]
    mine = runtime.dispatcher.environment  # what this API's tasks are tagged with; a worker refuses any other
    checks = {"redis": redis_ok, "workers": bool(workers), "sandbox": bool(ready_workers),
              "environment": any(w.environment == mine for w in ready_workers)}  # fmt: skip
    if not redis_ok:
        reason: str | None = "the store (Redis) is unreachable"
    elif not workers:
        reason = "no live worker"
    elif not ready_workers:
        reason = "no live worker's sandbox has passed its self-check"
    elif not checks["environment"]:
        theirs = sorted({w.environment for w in ready_workers})
        reason = (f"no live worker measures in this API's environment {mine!r} (its tasks would all come back "
                  f"sandbox_error); workers measure in {', '.join(repr(e) for e in theirs[:3])}"
                  + (f" and {len(theirs) - 3} more" if len(theirs) > 3 else ""))
    else:
        reason = None
    return Readiness(ready=reason is None, checks=checks, reason=reason)


@router.api_route("/readyz", methods=["GET", "HEAD"], response_model=Readiness,
                  responses={503: {"model": Readiness, "description": "not ready"}})
async def readyz(response: Response, runtime: Runtime = Depends(get_runtime)) -> Readiness:
    """Ready to score: store reachable, a live worker whose sandbox passed its self-check, in this API's environment."""
    try:
        readiness = await _off_loop(runtime, lambda: _readiness(runtime))
    except TimeoutError:
        checks = {"redis": False, "workers": False, "sandbox": False, "environment": False}
        readiness = Readiness(ready=False, checks=checks, reason=f"the store did not answer within {PROBE_TIMEOUT_S:.0f} s")
    response.status_code = 200 if readiness.ready else 503
    return readiness


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics_text(runtime: Runtime = Depends(get_runtime)) -> Response:
    """Prometheus metrics of this process and of the cluster."""
    cluster = ClusterCollector(runtime.backend.store, runtime.backend.queue)
    try:
        body, content_type = await _off_loop(runtime, lambda: render(cluster))
    except TimeoutError:
        body, content_type = render(None)  # this process's own figures: no I/O
    return Response(content=body, media_type=content_type)
