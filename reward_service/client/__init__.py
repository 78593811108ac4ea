"""The Python client of the reward service (sync and async, on httpx).

    from reward_service.client import RewardClient
    with RewardClient("http://localhost:8000", token="...") as client:
        reply = client.group_members("run-1/step-0/g-3", size=16, members=[(0, text)], problem_id="Mbpp/2")

Results are the service's own pydantic models (:mod:`reward_service.service.http.schemas`).
"""

from __future__ import annotations

from ..service.http.schemas import (
    GroupIn,
    GroupMembersResponse,
    MemberIn,
    ProblemInfo,
    RewardOptions,
    RewardsResponse,
)
from .clients import DEFAULT_DEADLINE_S, AsyncRewardClient, RewardClient
from .errors import ServiceError, TransportFailed
from .retry import RetryPolicy

__all__ = [
    "RewardClient",
    "AsyncRewardClient",
    "RetryPolicy",
    "ServiceError",
    "TransportFailed",
    "DEFAULT_DEADLINE_S",
    "GroupIn",
    "MemberIn",
    "RewardOptions",
    "RewardsResponse",
    "GroupMembersResponse",
    "ProblemInfo",
]
