"""Result models: what scoring one code, one response and one group produces."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .problem import MeteredInputs
from .verdict import Verdict

__all__ = [
    "Diagnostic",
    "Measurement",
    "ResponseResult",
    "GroupSummary",
    "GroupError",
    "GroupResult",
    "ScoreOptions",
    "Aggregate",
]

Aggregate = Literal["sum", "max", "mean"]


class Diagnostic(BaseModel):
    """Why a verdict was given. Never holds a hidden expected output."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(default="", max_length=2000, examples=["wrong answer on test 4 (hidden)"])
    test_index: int | None = Field(default=None, description="First failing correctness test.")
    perf_input_index: int | None = Field(default=None, description="First failing performance input.")
    exception: str | None = Field(default=None, description="Exception type raised by the candidate.")
    limit: Literal["cpu", "wall", "memory", "output", "processes"] | None = None


class Measurement(BaseModel):
    """Outcome of running one unique code against one problem version.

    Depends only on (problem version, normalised code, meter backend, sandbox image), so it
    can be cached and shared by every response with the same code.
    """

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    instructions: int | None = Field(
        default=None, description="N: instructions on the performance inputs, aggregated."
    )
    per_input: list[int] = Field(default_factory=list, description="Instructions per performance input.")
    diagnostic: Diagnostic = Field(default_factory=Diagnostic)
    meter: str | None = Field(default=None, description="Meter backend that counted N.")
    seconds: float = Field(default=0.0, description="Wall time spent scoring this code.")


class ResponseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int = Field(description="Position of the response in its group.")
    reward: float | None = Field(description="The paper's reward; null for sandbox_error and invalid_problem (mask it).")
    verdict: Verdict
    instructions: int | None = None
    score: float | None = Field(default=None, description="C = -ln(N) for passing responses.")
    per_input: list[int] = Field(default_factory=list)
    diagnostic: Diagnostic = Field(default_factory=Diagnostic)


class GroupSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdicts: dict[Verdict, int] = Field(default_factory=dict)
    passed: int = 0
    mean_reward: float | None = None
    min_instructions: int | None = None
    max_instructions: int | None = None


class GroupError(BaseModel):
    """Why a whole group could not be judged (said once, not per response)."""

    model_config = ConfigDict(extra="forbid")

    code: Literal["invalid_problem"] = Field(description="Stable machine-readable code.")
    message: str = Field(max_length=2000, description="Names the problem and the reason.")


class GroupResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem_id: str
    problem_version: str
    metered_inputs: MeteredInputs = Field(
        default="performance",
        description="Inputs the instruction counts were taken on: performance (high contrast), "
        "tests (the problem has no performance inputs: low contrast) or none.",
    )
    results: list[ResponseResult]
    summary: GroupSummary
    error: GroupError | None = Field(
        default=None, description="Set when the problem itself is invalid (its reference or its own code fails, "
        "or its comparison refuses its expected outputs): the members that needed it have verdict invalid_problem "
        "and reward null.")


class ScoreOptions(BaseModel):
    """Per-request scoring options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    round_digits: int | None = Field(
        default=None, ge=0, le=6,
        description="Round the efficiency rewards of passing responses to k decimals (the paper's GRPO with Round); "
        "the fixed rewards of the other verdicts are left as they are."
    )
    aggregate: Aggregate = Field(
        default="sum", description="How N combines the counts of several performance inputs."
    )
    measure: bool = Field(default=True, description="Count instructions of passing code (False: correctness only).")
    efficiency: Literal["auto", "none"] = Field(
        default="auto", description="none: no efficiency term for any problem (as `measure: false`)."
    )
