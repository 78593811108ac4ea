"""Sandboxes: where untrusted code runs, behind one interface (:class:`Sandbox`).

Backends: ``embedded`` (bubblewrap on this host) and ``docker``; :func:`factory.make_sandbox`
builds the one the settings ask for. Importing this package loads neither backend.
"""

from __future__ import annotations

from .base import RunOutcome, RunSpec, RunStatus, Sandbox

__all__ = ["Sandbox", "RunSpec", "RunStatus", "RunOutcome", "EmbeddedSandbox", "default_python"]


def __getattr__(name: str) -> object:
    if name in ("EmbeddedSandbox", "default_python"):
        from . import embedded

        return getattr(embedded, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
