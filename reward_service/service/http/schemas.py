"""Request and response bodies of the HTTP API (the OpenAPI page is the reference)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...pipeline import GroupOut
from ...problem import MeteredInputs, Problem
from ...results import GroupError, GroupSummary, ResponseResult, ScoreOptions
from ...settings import MeterBackendName
from ..state.jobs import JobState

__all__ = [
    "ErrorBody",
    "ErrorResponse",
    "GroupIn",
    "RewardOptions",
    "RewardsRequest",
    "GroupOut",
    "RewardsResponse",
    "Progress",
    "JobAccepted",
    "JobStatus",
    "ProblemInfo",
    "ProblemImport",
    "ProblemImportResult",
    "Health",
    "Readiness",
    "MemberIn",
    "GroupMembersRequest",
    "GroupMembersResponse",
    "OpenRLHFRequest",
    "OpenRLHFResponse",
]

_EXAMPLE_RESPONSE = "```python\ndef add(a, b):\n    return a + b\n```"


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable error code.", examples=["unknown_problem"])
    message: str = Field(description="Human-readable explanation.", examples=["no problem registered as 'Mbpp/2'"])
    details: dict[str, Any] | None = Field(default=None, description="Structured context, when there is any.")


class ErrorResponse(BaseModel):
    error: ErrorBody


class GroupIn(BaseModel):
    """One prompt's responses: scored together, rewards normalised within the group."""

    model_config = ConfigDict(extra="forbid")

    group_id: str | None = Field(
        default=None,
        max_length=200,
        description="Caller's id for the group, echoed back (default: its position in the batch). "
        "Members are addressed as (group_id, index), so a group can later be gathered from "
        "several requests.",
        examples=["step-17/prompt-3"],
    )
    problem_id: str | None = Field(
        default=None, max_length=200, description="A registered problem (PUT /v1/problems/{id}).", examples=["Mbpp/2"]
    )
    problem: Problem | None = Field(default=None, description="An inline problem, instead of problem_id.")
    responses: list[str] = Field(
        min_length=1,
        description="The model's responses (markdown with a fenced python block), in order.",
        examples=[[_EXAMPLE_RESPONSE, "I don't know."]],
    )

    @model_validator(mode="after")
    def _one_problem(self) -> GroupIn:
        if (self.problem_id is None) == (self.problem is None):
            raise ValueError("give exactly one of problem_id and problem")
        return self


class RewardOptions(ScoreOptions):
    """Scoring options for a whole batch."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    meter: MeterBackendName | None = Field(
        default=None,
        description="Meter backend; when given it must be the one the service runs "
        "(results of different meters are never mixed).",
        examples=["callgrind"],
    )
    deadline_s: float | None = Field(
        default=None,
        gt=0,
        le=86_400,
        description="Server-side deadline of a synchronous request (capped by the service's own).",
        examples=[120.0],
    )

    def score_options(self) -> ScoreOptions:
        # efficiency "none" needs no metered runs at all
        return ScoreOptions(round_digits=self.round_digits, aggregate=self.aggregate,
                            measure=self.measure and self.efficiency != "none", efficiency=self.efficiency)


class RewardsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    groups: list[GroupIn] = Field(min_length=1, description="The groups of the batch.")
    options: RewardOptions = Field(default_factory=RewardOptions)


class RewardsResponse(BaseModel):
    groups: list[GroupOut] = Field(description="One per requested group, in request order.")


class Progress(BaseModel):
    total: int = Field(description="Responses in the job.", examples=[64])
    measured: int = Field(description="Responses whose measurement is in.", examples=[40])


class JobAccepted(BaseModel):
    job_id: str = Field(examples=["0b6f1c3e6a4e4d0e9d8a2a6f4f0c9b1e"])
    state: JobState
    status_url: str = Field(examples=["/v1/jobs/0b6f1c3e6a4e4d0e9d8a2a6f4f0c9b1e"])


class JobStatus(BaseModel):
    job_id: str
    state: JobState
    progress: Progress
    created_at: float = Field(description="Unix time of submission.")
    finished_at: float | None = Field(default=None, description="Unix time it succeeded or was cancelled.")
    result: RewardsResponse | None = Field(default=None, description="Present once the job has succeeded.")


class ProblemInfo(BaseModel):
    id: str = Field(examples=["Mbpp/2"])
    version: str = Field(description="Content hash; changes whenever the problem does.", examples=["3f2a9c0d1b4e5f60"])
    created: bool | None = Field(default=None, description="True when the id was new.")


class ProblemImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problems: list[Problem] = Field(min_length=1, description="Problems to register (replacing same ids).")


class ProblemImportResult(BaseModel):
    problems: list[ProblemInfo]


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool] = Field(
        description="redis: store reachable; workers: at least one live worker; "
        "sandbox: a worker's sandbox passed its self-check; environment: such a worker measures in this "
        "API's environment (meter, sandbox image, hash seed, harness version), so it takes this API's tasks.",
        examples=[{"redis": True, "workers": True, "sandbox": True, "environment": True}],
    )
    reason: str | None = Field(default=None, description="Why not ready (null when ready).",
                               examples=["no live worker measures in this API's environment"])


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int | None = Field(
        default=None, ge=0, description="The member's position in its group (0 <= index < size).", examples=[3]
    )
    member_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Instead of index, for callers that cannot number the members of a group: the caller's "
        "unique id of this member (kept across retries). The member gets the next free index once; a resend "
        "with the same id gets the same one. Do not mix with explicit indices in one group.",
        examples=["5f0c2b1e-9a77-4c1e-8d0e-2f3c1b4a6d7e"],
    )
    response: str = Field(description="The model's response (markdown with a fenced python block).",
                          examples=[_EXAMPLE_RESPONSE])  # fmt: skip


class GroupMembersRequest(BaseModel):
    """Some members of a group whose other members may come in other requests, to any replica."""

    model_config = ConfigDict(extra="forbid")

    group_key: str = Field(
        min_length=1,
        max_length=200,
        description="Names the group across requests and replicas; unique per group of a training run "
        "(a key reused with other responses is a 409 conflict while the group is kept).",
        examples=["run-7/step-12/group-3"],
    )
    size: int = Field(ge=1, le=100_000, description="How many members the group has in all.", examples=[16])
    problem_id: str | None = Field(default=None, max_length=200, description="A registered problem.", examples=["Mbpp/2"])
    problem: Problem | None = Field(default=None, description="An inline problem, instead of problem_id.")
    members: list[MemberIn] = Field(min_length=1, description="The members this request brings (distinct indices).")
    options: RewardOptions = Field(
        default_factory=RewardOptions,
        description="Scoring options (the same for every member of the group) and this caller's deadline_s "
        "(default and maximum REWARD_API__GROUP_DEADLINE_S).",
    )

    @model_validator(mode="after")
    def _check(self) -> GroupMembersRequest:
        if (self.problem_id is None) == (self.problem is None):
            raise ValueError("give exactly one of problem_id and problem")
        if any((m.index is None) == (m.member_id is None) for m in self.members):
            raise ValueError("give each member exactly one of index and member_id")
        indices = [m.index for m in self.members if m.index is not None]
        ids = [m.member_id for m in self.members if m.member_id is not None]
        if len(set(indices)) != len(indices) or len(set(ids)) != len(ids):
            raise ValueError("member indices (and member ids) must be distinct")
        if indices and max(indices) >= self.size:
            raise ValueError(f"member index {max(indices)} is not below the group size {self.size}")
        if len(self.members) > self.size:
            raise ValueError(f"{len(self.members)} members for a group of {self.size}")
        return self


class GroupMembersResponse(BaseModel):
    group_key: str
    complete: bool = Field(description="True when every member of the group was measured: the rewards are final.")
    partial: bool = Field(
        description="True when the deadline came first: rewards are normalised over the members present "
        "(registered and measured) only, listed in `present`."
    )
    size: int
    present: list[int] = Field(description="Indices of the members the rewards were computed over.")
    problem_id: str
    problem_version: str
    metered_inputs: MeteredInputs = Field(
        default="performance",
        description="Inputs the instruction counts were taken on: performance (high contrast), "
        "tests (the problem has no performance inputs: low contrast) or none.",
    )
    results: list[ResponseResult] = Field(
        description="This request's members, in request order; `index` is the member's index in the group."
    )
    summary: GroupSummary = Field(description="Over the members present.")
    error: GroupError | None = Field(default=None, description="Set when the problem is invalid (its reference or "
                                      "its own code fails, or its comparison refuses its expected outputs).")


class OpenRLHFRequest(BaseModel):
    """OpenRLHF's remote reward request (``--reward.remote_url``): lists of equal length, usually one."""

    query: list[str] = Field(min_length=1, description="Full templated text: prompt followed by the response.")
    prompts: list[str] = Field(min_length=1, description="The templated prompt (a prefix of the query).")
    labels: list[str] = Field(
        min_length=1,
        description="A registered problem id, or an inline problem as JSON (a string starting with '{').",
    )

    @model_validator(mode="after")
    def _same_length(self) -> OpenRLHFRequest:
        if not len(self.query) == len(self.prompts) == len(self.labels):
            raise ValueError("query, prompts and labels must have the same length")
        return self


class OpenRLHFResponse(BaseModel):
    """What OpenRLHF reads: with one query each field is a scalar (it wraps each in a tensor),
    with several each is a list of those scalars."""

    rewards: float | list[float] = Field(description="The reward (0.0 for sandbox_error: OpenRLHF cannot mask).")
    scores: float | list[float] = Field(description="1.0 when the response passed, else 0.0 (dynamic filtering).")
    extra_logs: dict[str, float] | dict[str, list[float]] = Field(
        description="Numbers only (OpenRLHF makes a tensor of each): passed, instructions (0 unless passed), "
        "sandbox_error, partial, and verdict as a code (see reward_service.integrations.openrlhf.VERDICT_CODES)."
    )
