"""Worker heartbeats: a key per worker whose expiry is the liveness signal.

A worker rewrites ``rs:worker:{name}`` every ``heartbeat_s`` with an expiry of three
periods; a worker that dies simply stops, and its key expires. ``/readyz`` and
``reward-service worker --check`` read these keys.
"""

from __future__ import annotations

import json
import os
import socket
import time

from pydantic import BaseModel, ConfigDict

from ..state import keys
from ..state.store import Store

__all__ = ["WorkerInfo", "worker_name", "beat", "live_workers", "check"]


class WorkerInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    host: str = ""
    pid: int = 0
    slots: int = 1
    busy: int = 0
    sandbox_ready: bool = False
    environment: str = ""  # resolved meter, sandbox image and hash seed (meter.identity)
    started_at: float = 0.0
    beat_at: float = 0.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(store: Store, info: WorkerInfo, period_s: float) -> None:
    info.beat_at = time.time()
    store.set(keys.worker(info.name), info.model_dump_json(), ttl_s=period_s * keys.HEARTBEAT_TTL_FACTOR)


def live_workers(store: Store) -> list[WorkerInfo]:
    names = store.scan(keys.WORKER_PATTERN)
    out: list[WorkerInfo] = []
    for raw in store.mget(names):
        if raw is not None:
            try:
                out.append(WorkerInfo.model_validate(json.loads(raw)))
            except ValueError:
                continue
    return out


def check(store: Store, host: str | None = None) -> bool:
    """True when a worker on ``host`` (default: this host) has a live heartbeat and a ready sandbox."""
    host = host or socket.gethostname()
    return any(w.host == host and w.sandbox_ready for w in live_workers(store))
