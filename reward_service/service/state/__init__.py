"""Shared state in Redis (or process memory): every key, the store, the result cache,
registered problems and jobs."""

from __future__ import annotations

__all__: list[str] = []
