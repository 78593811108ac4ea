"""The work: planning a request into tasks, the task queue, the workers that measure them,
and the completion notices that wake waiting requests."""

from __future__ import annotations

__all__: list[str] = []
