"""What the client raises: the service's own error (code, status, message), or a transport
failure that outlasted the retries."""

from __future__ import annotations

from typing import Any

import httpx

from ..errors import RewardServiceError

__all__ = ["ServiceError", "TransportFailed", "from_response"]


class ServiceError(RewardServiceError):
    """The service answered with an error: ``error_code`` is its stable code (``unknown_problem``...)."""

    code = "service_error"

    def __init__(self, message: str, *, status_code: int, error_code: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.status_code = status_code
        self.error_code = error_code


class TransportFailed(RewardServiceError):
    """No answer from the service within the call's deadline and attempts."""

    code = "transport_failed"
    status = 503


def from_response(response: httpx.Response) -> ServiceError:
    try:
        body = response.json()["error"]
        code, message, details = str(body["code"]), str(body["message"]), body.get("details") or {}
    except (ValueError, KeyError, TypeError):
        code, message, details = "http_error", response.text[:500], {}
    return ServiceError(f"{response.status_code} {code}: {message}", status_code=response.status_code,
                        error_code=code, **details)  # fmt: skip
