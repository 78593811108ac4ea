"""One root exception for everything reward-service raises on purpose.

    RewardServiceError                 code            status
    ├── InvalidInput                   invalid_input   422
    │   ├── InvalidProblem             invalid_problem 422
    │   │   └── ProblemCodeError       invalid_problem 422
    │   └── LimitExceeded              limit_exceeded  413
    ├── NotFound                       not_found       404
    │   └── UnknownProblem             unknown_problem 404
    ├── Unauthorized                   unauthorized    401
    ├── Conflict                       conflict        409
    ├── Overloaded                     overloaded      429
    ├── Unavailable                    unavailable     503
    ├── DeadlineExceeded               deadline_exceeded 504
    └── InfrastructureError            infrastructure  500
        ├── SandboxError               sandbox_error   500
        └── MeterError                 meter_error     500
            └── MeterUnavailable       meter_unavailable 500

``code`` is stable and machine-readable; ``status`` is the HTTP status the API maps it to.
Infrastructure errors are never the model's fault: the scorer turns them into the
``sandbox_error`` verdict with a null reward.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "RewardServiceError",
    "InvalidInput",
    "InvalidProblem",
    "ProblemCodeError",
    "LimitExceeded",
    "NotFound",
    "UnknownProblem",
    "Unauthorized",
    "Conflict",
    "Overloaded",
    "Unavailable",
    "InfrastructureError",
    "SandboxError",
    "MeterError",
    "MeterUnavailable",
    "DeadlineExceeded",
    "describe",
]


class RewardServiceError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(RewardServiceError):
    code = "invalid_input"
    status = 422


class InvalidProblem(InvalidInput):
    code = "invalid_problem"


class ProblemCodeError(InvalidProblem):
    """The problem's own trusted code failed in the sandbox before the candidate ran (its
    ``setup``, a test input's ``expr``, the performance ``generator``, the ``output_encoder``).

    Never the candidate's fault: the scorer gives the group ``invalid_problem`` and a null
    reward, like a reference that fails. ``details``: ``part`` (which one) and ``index``
    (the test input, when one failed).
    """


class LimitExceeded(InvalidInput):
    code = "limit_exceeded"
    status = 413


class NotFound(RewardServiceError):
    code = "not_found"
    status = 404


class UnknownProblem(NotFound):
    code = "unknown_problem"


class Unauthorized(RewardServiceError):
    code = "unauthorized"
    status = 401


class Conflict(RewardServiceError):
    """A group member or a group's shape disagrees with what another request registered."""

    code = "conflict"
    status = 409


class Overloaded(RewardServiceError):
    code = "overloaded"
    status = 429


class Unavailable(RewardServiceError):
    code = "unavailable"
    status = 503


class InfrastructureError(RewardServiceError):
    code = "infrastructure"
    status = 500


class SandboxError(InfrastructureError):
    code = "sandbox_error"


class MeterError(InfrastructureError):
    code = "meter_error"


class MeterUnavailable(MeterError):
    code = "meter_unavailable"


class DeadlineExceeded(RewardServiceError):
    """A synchronous request ran past its server-side deadline (its work stays queued)."""

    code = "deadline_exceeded"
    status = 504


def describe(exc: Exception) -> str:
    """An exception in one line; a (pydantic) validation error as its fields and what is wrong."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in errors()[:5])
    return str(exc)
