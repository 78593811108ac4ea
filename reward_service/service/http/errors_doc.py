"""The documented error responses of each route, for the OpenAPI page."""

from __future__ import annotations

from typing import Any

from .schemas import ErrorResponse

__all__ = ["ERROR_CODES", "errors"]

#: HTTP status -> the error codes it carries (the API's contract with clients).
ERROR_CODES: dict[int, str] = {
    400: "invalid_request: malformed Content-Length",
    401: "unauthorized: missing or invalid bearer token",
    404: "unknown_problem, unknown_job, not_found",
    405: "method_not_allowed",
    409: "conflict: a group member or the group's size, problem or options differ from what was registered",
    413: "limit_exceeded: body bytes, groups, responses per group or response length over the limit",
    422: "invalid_request (malformed or schema-violating body), invalid_problem, invalid_input",
    429: "overloaded: queue over its bound; see Retry-After",
    503: "unavailable: Redis unreachable",
    504: "deadline_exceeded: not measured within the deadline (work stays queued)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorResponse, "description": ERROR_CODES[s]} for s in statuses}
