"""Request and response bodies of the HTTP API (the OpenAPI page is the reference)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..problem import Problem
from ..results import ScoreOptions
from ..settings import MeterBackendName
from .jobs import JobState
from .plan import GroupOut

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
        "sandbox: a worker's sandbox passed its self-check.",
        examples=[{"redis": True, "workers": True, "sandbox": True}],
    )
