"""Sandboxes: where untrusted code runs, behind one interface."""

from __future__ import annotations

from .base import RunOutcome, RunSpec, RunStatus, Sandbox
from .embedded import EmbeddedSandbox, default_python

__all__ = ["Sandbox", "RunSpec", "RunStatus", "RunOutcome", "EmbeddedSandbox", "default_python"]
