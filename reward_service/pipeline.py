"""One pipeline from responses to rewards, used by the CLI and by the service alike.

    plan      triage every response (format_error, no_entity need no run); map the rest to
              one unit of work per unique (problem version, normalised code, options,
              environment), so identical code is measured once, across groups too
    measure   whoever runs the work: the CLI's local :class:`~reward_service.scoring.Scorer`,
              or the service's workers through its queue and result cache
    assemble  the group-normalised rewards, once every member of a group is measured

This module runs nothing and imports no sandbox: the API process plans and assembles with
it. A plan is plain data (a service job stores it), addressed by (group_id, member index).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from .extract import Extraction, code_digest, triage
from .problem import Problem
from .results import Aggregate, Diagnostic, GroupError, GroupResult, GroupSummary, Measurement, ResponseResult, ScoreOptions
from .reward import apply_rounding, reward_for, score_of
from .verdict import Verdict

__all__ = [
    "Work",
    "PlannedMember",
    "PlannedGroup",
    "Plan",
    "GroupOut",
    "work_key",
    "plan_groups",
    "assemble",
    "assemble_group",
    "triage_to_measurement",
]


def work_key(problem_version: str, digest: str, *, measure: bool, aggregate: Aggregate, environment: str) -> str:
    """The id of one unit of work and of its cached result: a hash of all it depends on."""
    blob = f"{problem_version}|{digest}|{int(measure)}|{aggregate}|{environment}"
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Work:
    """One code to measure against one problem version."""

    key: str
    problem: Problem
    code: str
    measure: bool
    aggregate: Aggregate


class PlannedMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int
    task: str | None = None  # work key whose measurement it waits for
    pre: Measurement | None = None  # verdict known without running


class PlannedGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_id: str
    problem_version: str
    members: list[PlannedMember]


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    groups: list[PlannedGroup]
    options: ScoreOptions

    def task_keys(self) -> list[str]:
        """Unique work keys, in first-seen order."""
        seen: dict[str, None] = {}
        for group in self.groups:
            for member in group.members:
                if member.task is not None:
                    seen.setdefault(member.task, None)
        return list(seen)

    @property
    def size(self) -> int:
        return sum(len(g.members) for g in self.groups)


class GroupOut(GroupResult):
    group_id: str = Field(description="The request's group_id, or the group's position.", examples=["0"])


def triage_to_measurement(extraction: Extraction) -> Measurement | None:
    """A Measurement for responses that never run (format_error, no_entity), else None."""
    if extraction.verdict is None:
        return None
    return Measurement(verdict=extraction.verdict, diagnostic=Diagnostic(message=extraction.message))


def plan_groups(
    groups: Sequence[tuple[str, Problem, Sequence[str]]], options: ScoreOptions, environment: str
) -> tuple[Plan, list[Work]]:
    """Plan ``(group_id, problem, responses)`` groups: the plan and its unique work, in order."""
    measure = options.measure and options.efficiency != "none"
    work: dict[str, Work] = {}
    planned: list[PlannedGroup] = []
    for group_id, problem, responses in groups:
        entry, version = problem.entry, problem.version  # version hashes the whole problem: once
        members: list[PlannedMember] = []
        for index, response in enumerate(responses):
            extraction = triage(response, entry)
            pre = triage_to_measurement(extraction)
            if pre is not None or extraction.code is None:
                members.append(PlannedMember(index=index, pre=pre))
                continue
            key = work_key(version, code_digest(extraction.code), measure=measure, aggregate=options.aggregate,
                           environment=environment)
            work.setdefault(key, Work(key, problem, extraction.code, measure, options.aggregate))
            members.append(PlannedMember(index=index, task=key))
        planned.append(PlannedGroup(group_id=group_id, problem_version=version, members=members))
    return Plan(groups=planned, options=options), list(work.values())


def _one_meter(items: Sequence[Measurement]) -> list[Measurement]:
    """Counts of different meters are not comparable: within a group, the passing members
    counted by any meter but the most common one become ``sandbox_error`` (masked)."""
    meters = [m.meter for m in items if m.verdict is Verdict.passed and m.instructions is not None]
    if len(set(meters)) <= 1:
        return list(items)
    keep = max(sorted(set(meters), key=str), key=meters.count)
    return [
        m if not (m.verdict is Verdict.passed and m.instructions is not None and m.meter != keep)
        else Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(
            message=f"counted by {m.meter!r}, the rest of the group by {keep!r}: not comparable"))
        for m in items
    ]


def assemble_group(problem: Problem, items: Sequence[Measurement], options: ScoreOptions) -> GroupResult:
    """Rewards of one group from one Measurement per response, in order.

    A problem whose reference fails is invalid: the group says so once (``error``), and the
    members that needed the reference get the ``invalid_problem`` verdict (reward null).
    """
    items = _one_meter(items)
    verdicts = [m.verdict for m in items]
    metered = problem.metered_inputs(options.efficiency) if options.measure else "none"
    counts = [m.instructions if metered != "none" else None for m in items]
    rewards = reward_for(verdicts, counts)
    results = [
        ResponseResult(
            # only F(C, G) is rounded: the fixed rewards (-1.5, -0.5, 0.0) are exact, and round(-1.5) is -2.0
            index=i, reward=apply_rounding(r, options.round_digits) if m.verdict is Verdict.passed else r, verdict=m.verdict,
            instructions=m.instructions, score=score_of(m.instructions) if m.instructions else None,
            per_input=list(m.per_input), diagnostic=m.diagnostic,
        )
        for i, (m, r) in enumerate(zip(items, rewards, strict=True))
    ]
    tally: dict[Verdict, int] = {}
    for v in verdicts:
        tally[v] = tally.get(v, 0) + 1
    passing = [m.instructions for m in items if m.verdict is Verdict.passed and m.instructions]
    real = [r.reward for r in results if r.reward is not None]
    summary = GroupSummary(
        verdicts=tally, passed=tally.get(Verdict.passed, 0),
        mean_reward=sum(real) / len(real) if real else None,
        min_instructions=min(passing) if passing else None,
        max_instructions=max(passing) if passing else None,
    )
    invalid = next((m for m in items if m.verdict is Verdict.invalid_problem), None)
    error = None
    if invalid is not None:
        error = GroupError(code="invalid_problem",
                           message=f"problem {problem.id!r} is invalid: {invalid.diagnostic.message}"[:2000])
    return GroupResult(problem_id=problem.id, problem_version=problem.version, metered_inputs=metered,
                       results=results, summary=summary, error=error)


def _lost() -> Measurement:
    return Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(message="internal: response lost"))


def assemble(plan: Plan, problem_of: Callable[[str], Problem], have: Mapping[str, Measurement]) -> list[GroupOut]:
    """Every group of ``plan`` assembled from the measurements in ``have`` (by work key).

    ``problem_of`` maps a problem version to its problem.
    """
    return [assemble_planned(group, problem_of(group.problem_version), plan.options, have) for group in plan.groups]


def assemble_planned(group: PlannedGroup, problem: Problem, options: ScoreOptions,
                     have: Mapping[str, Measurement]) -> GroupOut:
    """One planned group assembled from the measurements in ``have``."""
    items = [m.pre if m.pre is not None else have.get(m.task or "") or _lost() for m in group.members]
    result = assemble_group(problem, items, options)
    return GroupOut(group_id=group.group_id, **result.model_dump())
