"""The HTTP surface: routes, request and response schemas, middleware, authentication."""

from __future__ import annotations

__all__: list[str] = []
