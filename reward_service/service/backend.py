"""The shared state of API and workers, built from settings: Redis, or process memory.

With ``redis_url`` set, every component talks to that Redis (any number of API processes
and workers on any hosts). Without it (the embedded default) they share process memory,
and the API process runs its own workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from ..settings import Settings
from .cache import ResultCache
from .jobs import JobStore
from .problems_store import ProblemStore
from .queue import LocalTaskQueue, RedisTaskQueue, TaskQueue
from .store import MemoryStore, RedisStore, Store, connect

__all__ = ["Backend", "open_backend"]


@dataclass
class Backend:
    settings: Settings
    store: Store
    queue: TaskQueue
    problems: ProblemStore
    cache: ResultCache
    jobs: JobStore
    client: redis.Redis[str] | None = None

    @property
    def embedded(self) -> bool:
        return self.client is None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def open_backend(settings: Settings) -> Backend:
    store: Store
    queue: TaskQueue
    client: redis.Redis[str] | None = None
    if settings.redis_url:
        client = connect(settings.redis_url)
        store, queue = RedisStore(client), RedisTaskQueue(client)
    else:
        store, queue = MemoryStore(), LocalTaskQueue()
    return Backend(settings, store, queue, ProblemStore(store), ResultCache(store), JobStore(store), client)
