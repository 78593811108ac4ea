"""When and how long the client waits before sending a request again.

Retried: transport errors (connection refused or reset, timeouts), 5xx and 429 (after its
``Retry-After``). Never retried: other 4xx (the request itself is wrong; sending it again
cannot help). Every request the client sends is safe to repeat: rewards are cached by
content and group members are registered idempotently, so a resend is measured once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

__all__ = ["RetryPolicy", "retryable", "retry_after_s"]


@dataclass(frozen=True)
class RetryPolicy:
    #: sends in all, the first included; None: as many as the call's deadline allows (8 sends
    #: gave up after ~15 s: a service restarting for a minute ended a training run)
    attempts: int | None = None
    base_s: float = 0.25  # backoff before the second send; doubles after each
    cap_s: float = 10.0  # the longest backoff

    def backoff_s(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)] (attempt counts from 0)."""
        return random.uniform(0.0, min(self.cap_s, self.base_s * (2**attempt)))


def retryable(status: int) -> bool:
    return status == 429 or status >= 500


def retry_after_s(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (the service sends seconds; HTTP dates are not honoured)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
