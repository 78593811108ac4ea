"""The FastAPI application: routes, middleware and the one error mapping.

Every error a client sees has the body ``{"error": {"code", "message"}}``:
:class:`~reward_service.errors.RewardServiceError` subclasses carry their own code and
status; a malformed or schema-violating body is ``invalid_request`` (422); an oversized
body ``limit_exceeded`` (413, before the body is parsed); anything unexpected is a bare
``internal`` (500) with the traceback logged, never sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import Overloaded, RewardServiceError
from ..settings import Settings, get_settings
from .http import routes_compat, routes_groups, routes_health, routes_jobs, routes_problems, routes_rewards
from .http.middleware import BodyLimit, RequestMetrics
from .runtime import Runtime

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_THREADS = 256  # synchronous requests wait in threads; each one is mostly asleep
_HTTP_CODES = {400: "invalid_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _describe(errors: list[Any]) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RewardServiceError)
    headers = None
    if isinstance(exc, Overloaded):
        headers = {"Retry-After": str(exc.details.get("retry_after_s", 1))}
    if exc.status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, exc.message)
    return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _error(422, "invalid_request", _describe(list(exc.errors())))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return _error(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(500, "internal", "internal error; it has been logged")


_TOKEN_IN_QUERY = re.compile(r"(?i)(token=)[^&\s\"]*")


class _RedactTokens(logging.Filter):
    """Access-log lines without the ``?token=`` some trainers must send (OpenRLHF sends no
    header): a bearer token in a log file is a credential anyone who reads the logs holds."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_QUERY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API. The backend (and, without Redis, local workers) starts in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = _THREADS
        access = logging.getLogger("uvicorn.access")  # configured by uvicorn by now
        if not any(isinstance(f, _RedactTokens) for f in access.filters):
            access.addFilter(_RedactTokens())
        runtime = await run_in_threadpool(Runtime.start, settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await run_in_threadpool(runtime.close)

    app = FastAPI(
        title="reward-service",
        summary="Correctness and efficiency rewards for LLM-written code, for RL trainers.",
        version="1",
        lifespan=lifespan,
    )
    app.include_router(routes_rewards.router)
    app.include_router(routes_groups.router)
    app.include_router(routes_compat.router)
    app.include_router(routes_jobs.router)
    app.include_router(routes_problems.router)
    app.include_router(routes_health.router)
    app.add_exception_handler(RewardServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(BodyLimit, max_bytes=settings.api.max_request_bytes)
    app.add_middleware(RequestMetrics)
    return app
