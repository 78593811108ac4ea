"""Bearer-token authentication of the /v1 routes.

Tokens come from ``REWARD_API__TOKENS``. With none configured (development only: the
settings refuse to start production without real tokens) every request is let through.
"""

from __future__ import annotations

import hmac

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ...errors import Unauthorized
from ..runtime import Runtime

__all__ = ["require_token", "check_token", "bearer"]

bearer = HTTPBearer(auto_error=False, description="A token from REWARD_API__TOKENS.")


async def require_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> None:
    """The routes' dependency. ``async`` only so that FastAPI calls it on the event loop: it
    does no I/O, and a plain ``def`` would cost a round trip through the thread pool."""
    check_token(request, credentials)


def check_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    """Raise Unauthorized unless the credentials carry one of the configured tokens."""
    runtime: Runtime = request.app.state.runtime
    tokens = runtime.settings.api.tokens
    if not tokens:
        return
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
    given = credentials.credentials.encode()
    if not any(hmac.compare_digest(given, t.encode()) for t in tokens):
        raise Unauthorized("invalid bearer token")
