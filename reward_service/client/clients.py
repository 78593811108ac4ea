"""The service's Python client: :class:`RewardClient` (sync) and :class:`AsyncRewardClient`.

Both keep one pooled httpx client (reuse them), give each call a deadline that covers
every retry (``deadline_s``; also sent to the service as ``options.deadline_s`` so it
answers before the client gives up), retry as :mod:`.retry` says, and return the
service's own pydantic models.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import urllib.parse
from collections.abc import Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from ..problem import Problem
from ..service.http.schemas import (
    GroupIn,
    GroupMembersRequest,
    GroupMembersResponse,
    MemberIn,
    ProblemInfo,
    RewardOptions,
    RewardsRequest,
    RewardsResponse,
)
from .errors import TransportFailed, from_response
from .retry import RetryPolicy, retry_after_s, retryable

__all__ = ["RewardClient", "AsyncRewardClient", "DEFAULT_DEADLINE_S"]

DEFAULT_DEADLINE_S = 600.0
_MARGIN_S = 2.0  # the service's deadline ends this much before the client's, so its answer arrives
M = TypeVar("M", bound=BaseModel)


def _path_segment(value: str) -> str:
    """``value`` as one URL path segment: every reserved character percent-encoded (``/``, ``?``,
    ``#``, ``%`` too), and ``.``/``..`` spelled ``%2E`` so that no URL normalisation removes them.
    The service decodes it back to ``value`` (``PUT /v1/problems/a%3Fb`` is problem ``a?b``)."""
    quoted = urllib.parse.quote(value, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def _limits(connections: int) -> httpx.Limits:
    return httpx.Limits(max_connections=connections, max_keepalive_connections=connections)


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _with_deadline(options: RewardOptions | None, deadline_s: float) -> RewardOptions:
    options = options or RewardOptions()
    server = max(1.0, deadline_s - _MARGIN_S)
    if options.deadline_s is None or options.deadline_s > server:
        options = options.model_copy(update={"deadline_s": server})
    return options


def _members_request(
    group_key: str, size: int, members: Sequence[tuple[int | str, str]], problem_id: str | None, problem: Problem | None,
    options: RewardOptions | None, deadline_s: float,
) -> GroupMembersRequest:  # fmt: skip
    return GroupMembersRequest(
        group_key=group_key, size=size, problem_id=problem_id, problem=problem,
        members=[MemberIn(index=i, response=r) if isinstance(i, int) else MemberIn(member_id=i, response=r) for i, r in members],
        options=_with_deadline(options, deadline_s),
    )  # fmt: skip


class _Base:
    def __init__(self, base_url: str, token: str | None, retry: RetryPolicy | None, deadline_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retry = retry or RetryPolicy()
        self.deadline_s = deadline_s

    def _pause_s(self, attempt: int, response: httpx.Response | None, deadline: float) -> float | None:
        """How long to wait before the next send, or None when no send is left."""
        if self.retry.attempts is not None and attempt + 1 >= self.retry.attempts:
            return None
        after = retry_after_s(response) if response is not None and response.status_code == 429 else None
        pause = after if after is not None else self.retry.backoff_s(attempt)
        if time.monotonic() + pause >= deadline:
            return None
        return pause


class RewardClient(_Base):
    """Synchronous client; thread-safe, one connection pool (``connections``) for all threads."""

    def __init__(self, base_url: str, *, token: str | None = None, retry: RetryPolicy | None = None,
                 deadline_s: float = DEFAULT_DEADLINE_S, connections: int = 64) -> None:  # fmt: skip
        super().__init__(base_url, token, retry, deadline_s)
        self._http = httpx.Client(base_url=self.base_url, headers=_headers(token), limits=_limits(connections))

    def __enter__(self) -> RewardClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: BaseModel | None, model: type[M], deadline_s: float | None) -> M:
        deadline = time.monotonic() + (deadline_s or self.deadline_s)
        payload: Any = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        failure: Exception | None = None
        for attempt in itertools.count():
            response: httpx.Response | None = None
            try:
                response = self._http.request(method, path, json=payload, timeout=max(0.1, deadline - time.monotonic()))
            except httpx.TransportError as exc:
                failure = exc
            else:
                if response.status_code < 400:
                    return model.model_validate_json(response.content)
                if not retryable(response.status_code):
                    raise from_response(response)
                failure = from_response(response)
            pause = self._pause_s(attempt, response, deadline)
            if pause is None:
                break
            time.sleep(pause)
        if isinstance(failure, httpx.TransportError) or failure is None:
            raise TransportFailed(f"{method} {path}: {failure!r}")
        raise failure

    def rewards(self, groups: Sequence[GroupIn], options: RewardOptions | None = None,
                *, deadline_s: float | None = None) -> RewardsResponse:  # fmt: skip
        """``POST /v1/rewards``: whole groups in one request."""
        deadline = deadline_s or self.deadline_s
        request = RewardsRequest(groups=list(groups), options=_with_deadline(options, deadline))
        return self._call("POST", "/v1/rewards", request, RewardsResponse, deadline)

    def group_members(self, group_key: str, size: int, members: Sequence[tuple[int | str, str]], *,
                      problem_id: str | None = None, problem: Problem | None = None,
                      options: RewardOptions | None = None, deadline_s: float | None = None) -> GroupMembersResponse:  # fmt: skip
        """``POST /v1/groups/members``: (index or member id, response) pairs of a group assembled across calls."""
        deadline = deadline_s or self.deadline_s
        request = _members_request(group_key, size, members, problem_id, problem, options, deadline)
        return self._call("POST", "/v1/groups/members", request, GroupMembersResponse, deadline)

    def put_problem(self, problem: Problem, *, deadline_s: float | None = None) -> ProblemInfo:
        """``PUT /v1/problems/{id}``: register (or replace) a problem."""
        return self._call("PUT", f"/v1/problems/{_path_segment(problem.id)}", problem, ProblemInfo, deadline_s)


class AsyncRewardClient(_Base):
    """Asynchronous client (one event loop); the same calls as :class:`RewardClient`, awaited."""

    def __init__(self, base_url: str, *, token: str | None = None, retry: RetryPolicy | None = None,
                 deadline_s: float = DEFAULT_DEADLINE_S, connections: int = 256) -> None:  # fmt: skip
        super().__init__(base_url, token, retry, deadline_s)
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=_headers(token), limits=_limits(connections))

    async def __aenter__(self) -> AsyncRewardClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, body: BaseModel | None, model: type[M], deadline_s: float | None) -> M:
        deadline = time.monotonic() + (deadline_s or self.deadline_s)
        payload: Any = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        failure: Exception | None = None
        for attempt in itertools.count():
            response: httpx.Response | None = None
            try:
                response = await self._http.request(method, path, json=payload,
                                                    timeout=max(0.1, deadline - time.monotonic()))  # fmt: skip
            except httpx.TransportError as exc:
                failure = exc
            else:
                if response.status_code < 400:
                    return model.model_validate_json(response.content)
                if not retryable(response.status_code):
                    raise from_response(response)
                failure = from_response(response)
            pause = self._pause_s(attempt, response, deadline)
            if pause is None:
                break
            await asyncio.sleep(pause)
        if isinstance(failure, httpx.TransportError) or failure is None:
            raise TransportFailed(f"{method} {path}: {failure!r}")
        raise failure

    async def rewards(self, groups: Sequence[GroupIn], options: RewardOptions | None = None,
                      *, deadline_s: float | None = None) -> RewardsResponse:  # fmt: skip
        """``POST /v1/rewards``: whole groups in one request."""
        deadline = deadline_s or self.deadline_s
        request = RewardsRequest(groups=list(groups), options=_with_deadline(options, deadline))
        return await self._call("POST", "/v1/rewards", request, RewardsResponse, deadline)

    async def group_members(self, group_key: str, size: int, members: Sequence[tuple[int | str, str]], *,
                            problem_id: str | None = None, problem: Problem | None = None,
                            options: RewardOptions | None = None,
                            deadline_s: float | None = None) -> GroupMembersResponse:  # fmt: skip
        """``POST /v1/groups/members``: (index or member id, response) pairs of a group assembled across calls."""
        deadline = deadline_s or self.deadline_s
        request = _members_request(group_key, size, members, problem_id, problem, options, deadline)
        return await self._call("POST", "/v1/groups/members", request, GroupMembersResponse, deadline)

    async def put_problem(self, problem: Problem, *, deadline_s: float | None = None) -> ProblemInfo:
        """``PUT /v1/problems/{id}``: register (or replace) a problem."""
        return await self._call("PUT", f"/v1/problems/{_path_segment(problem.id)}", problem, ProblemInfo, deadline_s)
