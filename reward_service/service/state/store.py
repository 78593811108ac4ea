"""The key-value store behind problems, results, jobs and heartbeats.

One small :class:`Store` protocol with two implementations: :class:`RedisStore` (shared by
the API and any number of workers) and :class:`MemoryStore` (the embedded default, when
no Redis URL is configured). Redis connection failures surface as
:class:`~reward_service.errors.Unavailable` (HTTP 503), never as a raw redis error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import redis
import redis.exceptions

from ...errors import Unavailable

__all__ = ["Store", "RedisStore", "MemoryStore", "connect", "redis_errors"]


class Store(Protocol):
    """String values with optional expiry, plus hash counters."""

    def get(self, key: str) -> str | None: ...
    def mget(self, keys: Sequence[str]) -> list[str | None]: ...
    def set(self, key: str, value: str, *, ttl_s: float | None = None, nx: bool = False) -> bool: ...
    def expire(self, key: str, ttl_s: float) -> None: ...
    def persist(self, key: str) -> None: ...
    def delete(self, *keys: str) -> None: ...
    def scan(self, prefix: str) -> list[str]: ...
    def hincr(self, key: str, field: str, by: int = 1) -> int: ...
    def hcounters(self, key: str) -> dict[str, int]: ...
    def ping(self) -> bool: ...


@contextmanager
def redis_errors() -> Iterator[None]:
    """Turn "Redis is unreachable" into Unavailable (503) for the caller."""
    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        raise Unavailable(f"redis unreachable: {type(exc).__name__}") from exc
    except redis.exceptions.ResponseError as exc:
        # LOADING (restarting), READONLY (failover), MISCONF (disk full): all transient.
        if str(exc).split(" ", 1)[0] in {"LOADING", "READONLY", "MISCONF", "BUSY"}:
            raise Unavailable(f"redis not ready: {exc}") from exc
        raise


def connect(url: str) -> redis.Redis[str]:
    """A pooled, thread-safe client with short timeouts, so an outage is a quick 503."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2.0,
        socket_timeout=10.0,
        health_check_interval=15,
        max_connections=512,
    )


def _ms(ttl_s: float) -> int:
    return max(1, int(ttl_s * 1000))


class RedisStore:
    def __init__(self, client: redis.Redis[str]) -> None:
        self.client = client

    def get(self, key: str) -> str | None:
        with redis_errors():
            value: str | None = self.client.get(key)
            return value

    def mget(self, keys: Sequence[str]) -> list[str | None]:
        if not keys:
            return []
        with redis_errors():
            values: list[str | None] = self.client.mget(list(keys))
            return values

    def set(self, key: str, value: str, *, ttl_s: float | None = None, nx: bool = False) -> bool:
        with redis_errors():
            done = self.client.set(key, value, px=_ms(ttl_s) if ttl_s else None, nx=nx)
            return bool(done)

    def expire(self, key: str, ttl_s: float) -> None:
        with redis_errors():
            self.client.pexpire(key, _ms(ttl_s))

    def persist(self, key: str) -> None:
        with redis_errors():
            self.client.persist(key)

    def delete(self, *keys: str) -> None:
        if keys:
            with redis_errors():
                self.client.delete(*keys)

    def scan(self, prefix: str) -> list[str]:
        with redis_errors():
            return [str(k) for k in self.client.scan_iter(match=prefix + "*", count=500)]

    def hincr(self, key: str, field: str, by: int = 1) -> int:
        with redis_errors():
            return int(self.client.hincrby(key, field, by))

    def hcounters(self, key: str) -> dict[str, int]:
        with redis_errors():
            raw: dict[str, str] = self.client.hgetall(key)
            return {k: int(v) for k, v in raw.items()}

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.exceptions.RedisError:
            return False


class MemoryStore:
    """In-process store for the embedded mode (one API process, local workers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[str, float | None]] = {}
        self._hashes: dict[str, dict[str, int]] = {}

    def _live(self, key: str) -> str | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, deadline = item
        if deadline is not None and deadline <= time.monotonic():
            del self._values[key]
            return None
        return value

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._live(key)

    def mget(self, keys: Sequence[str]) -> list[str | None]:
        with self._lock:
            return [self._live(k) for k in keys]

    def set(self, key: str, value: str, *, ttl_s: float | None = None, nx: bool = False) -> bool:
        with self._lock:
            if nx and self._live(key) is not None:
                return False
            self._values[key] = (value, time.monotonic() + ttl_s if ttl_s else None)
            return True

    def expire(self, key: str, ttl_s: float) -> None:
        with self._lock:
            value = self._live(key)
            if value is not None:
                self._values[key] = (value, time.monotonic() + ttl_s)

    def persist(self, key: str) -> None:
        with self._lock:
            value = self._live(key)
            if value is not None:
                self._values[key] = (value, None)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._values.pop(key, None)
                self._hashes.pop(key, None)

    def scan(self, prefix: str) -> list[str]:
        with self._lock:
            return [k for k in list(self._values) if k.startswith(prefix) and self._live(k) is not None]

    def hincr(self, key: str, field: str, by: int = 1) -> int:
        with self._lock:
            counters = self._hashes.setdefault(key, {})
            counters[field] = counters.get(field, 0) + by
            return counters[field]

    def hcounters(self, key: str) -> dict[str, int]:
        with self._lock:
            return dict(self._hashes.get(key, {}))

    def ping(self) -> bool:
        return True
