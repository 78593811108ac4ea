"""The shared state of API and workers, built from settings: Redis, or process memory.

With ``redis_url`` set, every component talks to that Redis (any number of API processes
and workers on any hosts). Without it (the embedded default) they share process memory,
and the API process runs its own workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from ..settings import Settings
from .queue.admission import Admission, LocalAdmission, RedisAdmission
from .queue.completions import CompletionFeed, Completions
from .queue.task_queue import LocalTaskQueue, RedisTaskQueue, TaskQueue
from .state.board import Board, MemoryBoard, RedisBoard
from .state.cache import ResultCache
from .state.jobs import JobStore
from .state.problems_store import ProblemStore
from .state.store import MemoryStore, RedisStore, Store, connect

__all__ = ["Backend", "open_backend"]


@dataclass
class Backend:
    settings: Settings
    store: Store
    queue: TaskQueue
    problems: ProblemStore
    cache: ResultCache
    jobs: JobStore
    completions: Completions
    board: Board
    admission: Admission
    client: redis.Redis[str] | None = None
    _feed: CompletionFeed | None = None

    @property
    def embedded(self) -> bool:
        return self.client is None

    def follow_completions(self) -> None:
        """Relay the workers' completion notices to :attr:`completions` (API processes)."""
        if self.client is not None and self._feed is None:
            self._feed = CompletionFeed(self.client, self.completions)
            self._feed.start()

    def close(self) -> None:
        if self._feed is not None:
            self._feed.stop()
        if self.client is not None:
            self.client.close()


def open_backend(settings: Settings) -> Backend:
    store: Store
    queue: TaskQueue
    board: Board
    admission: Admission
    client: redis.Redis[str] | None = None
    completions = Completions()
    if settings.redis_url:
        client = connect(settings.redis_url)
        store, queue, board = RedisStore(client), RedisTaskQueue(client), RedisBoard(client)
    else:
        store = MemoryStore()
        queue, board = LocalTaskQueue(store, completions), MemoryBoard(completions)
    cache, problems = ResultCache(store), ProblemStore(store)
    admission = RedisAdmission(client) if client is not None else LocalAdmission(cache, queue, problems)
    return Backend(settings, store, queue, problems, cache, JobStore(store), completions, board, admission, client)
