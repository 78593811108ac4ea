"""The service's command-line commands, wired by ``reward_service.cli``:
``reward-service serve`` and ``reward-service worker [--check]``.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from ..errors import Unavailable
from ..settings import Settings, get_settings
from .backend import Backend, open_backend
from .queue.heartbeat import check as worker_healthy
from .queue.worker import Worker

__all__ = ["serve", "worker"]

log = logging.getLogger(__name__)


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Run the API with uvicorn (with local workers when no Redis URL is configured)."""
    import uvicorn

    from .app import create_app

    settings = settings or get_settings()
    if settings.redis_url is None:
        log.info(
            "no REWARD_REDIS_URL: embedded mode, in-process queue and %d local worker slot(s)",
            settings.worker.concurrency,
        )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", timeout_graceful_shutdown=30)


def worker(settings: Settings | None = None, check: bool = False) -> int:
    """Run a worker until SIGTERM/SIGINT (exit 0), or with ``check`` report this host's
    worker health: 0 when a worker here has a live heartbeat and a ready sandbox, else 1."""
    settings = settings or get_settings()
    if settings.redis_url is None:
        print("reward-service worker needs REWARD_REDIS_URL (without it, `serve` runs its own workers)", file=sys.stderr)
        return 1 if check else 2
    backend = open_backend(settings)
    try:
        if check:
            try:
                healthy = worker_healthy(backend.store)
            except Unavailable as exc:
                print(f"unhealthy: {exc.message}", file=sys.stderr)
                return 1
            print("healthy" if healthy else "unhealthy: no live worker with a ready sandbox on this host")
            return 0 if healthy else 1
        return _run_worker(settings, backend)
    finally:
        backend.close()


def _run_worker(settings: Settings, backend: Backend) -> int:
    from ..scoring import Scorer

    if settings.worker.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker.metrics_port)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: finishing running tasks", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with Scorer(settings) as scorer:
        runner = Worker(backend, scorer)
        runner.start()
        log.info("worker %s: %d slot(s)", runner.name, runner.slots)
        stop.wait()
        runner.stop()
    return 0
