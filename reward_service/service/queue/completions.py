"""Completion notices: wake a waiting request when one of its tasks is measured.

A worker that stores a result (or dead-letters a task) announces the task id: on the Redis
channel ``rs:done`` (published in the same transaction as the result), or straight to
:class:`Completions` in the embedded mode. A :class:`CompletionFeed` thread in each API
process relays the channel to its :class:`Completions`, which wakes exactly the requests
that wait for that task, so a synchronous request does not poll the result cache.

Notices are a latency optimisation, never the source of truth: pub/sub drops messages
while a connection is down, so waiters still read the result cache on a slow timer (see
:meth:`Dispatcher.wait`), and a lost notice only delays a request, never loses work.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator

import redis
import redis.exceptions

from ..state import keys

__all__ = ["Completions", "Watch", "CompletionFeed"]

log = logging.getLogger(__name__)


class Watch:
    """One request's interest in a set of task ids."""

    def __init__(self, task_keys: Iterable[str], on_notify: Callable[[], None] | None = None) -> None:
        self.keys = frozenset(task_keys)
        self._ready: set[str] = set()
        self._cond = threading.Condition()
        self._on_notify = on_notify  # for async waiters: wakes an event loop instead of a thread

    def _notify(self, task_key: str) -> None:
        with self._cond:
            self._ready.add(task_key)
            self._cond.notify()
        if self._on_notify is not None:
            self._on_notify()

    def wait(self, timeout_s: float) -> set[str]:
        """The ids announced since the last call, waiting up to ``timeout_s`` for one."""
        with self._cond:
            if not self._ready:
                self._cond.wait(max(0.0, timeout_s))
            ready, self._ready = self._ready, set()
        return ready


class Completions:
    """In-process registry of watches, fed with the ids of completed tasks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: dict[str, set[Watch]] = {}

    @contextlib.contextmanager
    def watch(self, task_keys: Iterable[str], on_notify: Callable[[], None] | None = None) -> Iterator[Watch]:
        """Watch these task ids for the duration of the block (register before submitting);
        ``on_notify`` is also called (from the notifying thread) on each notice."""
        watch = Watch(task_keys, on_notify)
        with self._lock:
            for key in watch.keys:
                self._watches.setdefault(key, set()).add(watch)
        try:
            yield watch
        finally:
            with self._lock:
                for key in watch.keys:
                    watchers = self._watches.get(key)
                    if watchers is not None:
                        watchers.discard(watch)
                        if not watchers:
                            del self._watches[key]

    def announce(self, task_key: str) -> None:
        with self._lock:
            watchers = list(self._watches.get(task_key, ()))
        for watch in watchers:
            watch._notify(task_key)


class CompletionFeed:
    """Relay ``rs:done`` to a :class:`Completions` (one thread per API process); reconnects."""

    def __init__(self, client: redis.Redis[str], completions: Completions) -> None:
        self.client = client
        self.completions = completions
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="completion-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(keys.DONE)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self.completions.announce(str(message["data"]))
            except (redis.exceptions.RedisError, OSError) as exc:
                # Redis is down or restarting: waiters fall back to reading the cache.
                log.debug("completion feed: %s", exc)
                self._stop.wait(0.5)
            finally:
                with contextlib.suppress(redis.exceptions.RedisError, OSError):
                    pubsub.close()
