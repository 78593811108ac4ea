"""What an API process holds while it runs: the backend, the dispatcher, and (embedded
mode) its own workers and scorer. Built in the app's lifespan, kept on ``app.state``.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from fastapi import Request

from ..settings import Settings
from .backend import Backend, open_backend
from .queue.dispatch import Dispatcher
from .queue.worker import Worker

__all__ = ["Runtime", "get_runtime"]

_PROBE_THREADS = 4  # a few concurrent probes and scrapes; more wait their turn (each bounded by its timeout)


@dataclass
class Runtime:
    settings: Settings
    backend: Backend
    dispatcher: Dispatcher
    worker: Worker | None = None  # embedded mode only
    # The probes' own threads (/readyz, /metrics): never behind the requests waiting in the default pool.
    probes: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(_PROBE_THREADS, "probe"))
    _exits: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        backend = open_backend(settings)
        runtime = cls(settings, backend, Dispatcher(backend))
        runtime._exits.callback(backend.close)
        runtime._exits.callback(runtime.probes.shutdown, wait=False, cancel_futures=True)
        backend.follow_completions()
        if backend.embedded:
            from ..scoring import Scorer  # the sandbox is only needed where workers run

            scorer = runtime._exits.enter_context(Scorer(settings))
            runtime.worker = Worker(backend, scorer)
            runtime.worker.start()
            runtime._exits.callback(runtime.worker.stop)
        return runtime

    def close(self) -> None:
        self._exits.close()


async def get_runtime(request: Request) -> Runtime:
    """The routes' dependency (``async``: a plain ``def`` would go through the thread pool)."""
    runtime: Runtime = request.app.state.runtime
    return runtime
