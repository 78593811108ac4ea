"""``/healthz``, ``/readyz`` and ``/metrics`` (no authentication, for probes and scrapers).

The probes answer HEAD too: load balancers and ``curl -I`` probe with it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from ..metrics import ClusterCollector, render
from ..queue.heartbeat import live_workers
from ..runtime import Runtime, get_runtime
from .schemas import Health, Readiness

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.api_route("/healthz", methods=["GET", "HEAD"], response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.api_route("/readyz", methods=["GET", "HEAD"], response_model=Readiness,
                  responses={503: {"model": Readiness, "description": "not ready"}})
def readyz(response: Response, runtime: Runtime = Depends(get_runtime)) -> Readiness:
    """Ready to score: store reachable, at least one live worker, and a sandbox that passed its self-check."""
    store = runtime.backend.store
    redis_ok = store.ping()
    workers = live_workers(store) if redis_ok else []
    checks = {"redis": redis_ok, "workers": bool(workers), "sandbox": any(w.sandbox_ready for w in workers)}
    ready = all(checks.values())
    response.status_code = 200 if ready else 503
    return Readiness(ready=ready, checks=checks)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics_text(runtime: Runtime = Depends(get_runtime)) -> Response:
    """Prometheus metrics of this process and of the cluster."""
    body, content_type = render(ClusterCollector(runtime.backend.store, runtime.backend.queue))
    return Response(content=body, media_type=content_type)
