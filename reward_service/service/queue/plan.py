"""A batch as planned: per group, per member, either a verdict known without running
(format_error, no_entity) or the task whose measurement it waits for.

A plan is plain data (it is stored in a job), addressed by (group_id, member index), so a
group could later be gathered from several requests without changing the model.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ...results import GroupResult, Measurement, ScoreOptions

__all__ = ["PlannedMember", "PlannedGroup", "Plan", "GroupOut"]


class PlannedMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int
    task: str | None = None  # result-cache id to wait for
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
        """Unique task ids, in first-seen order."""
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
