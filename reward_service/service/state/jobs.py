"""Asynchronous jobs: their states, their lifecycle and where they are kept.

::

    queued ──> running ──> succeeded
       │          │
       └──────────┴─────> cancelled

A job is planned and its tasks enqueued when it is accepted (``POST /v1/jobs``). It is
assembled lazily: each ``GET /v1/jobs/{id}`` looks its tasks up in the result cache and,
once all are in, computes the group rewards and stores them. No process owns a job, so
an API process can die or scale without losing one.
"""

from __future__ import annotations

import enum
import time
import uuid

from pydantic import BaseModel, ConfigDict, Field

from ...errors import NotFound
from ...pipeline import GroupOut, Plan
from ..queue.task_queue import Task
from . import keys
from .store import Store

__all__ = ["JobState", "Job", "JobStore", "UnknownJob", "TRANSITIONS"]


class JobState(enum.StrEnum):
    queued = "queued"  # accepted, tasks enqueued, no measurement in yet
    running = "running"  # some of its measurements are in
    succeeded = "succeeded"  # all measured; rewards assembled and stored in the job
    cancelled = "cancelled"  # cancelled by DELETE; its unstarted tasks are skipped

    @property
    def finished(self) -> bool:
        return self in (JobState.succeeded, JobState.cancelled)


TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.queued: frozenset({JobState.running, JobState.succeeded, JobState.cancelled}),
    JobState.running: frozenset({JobState.succeeded, JobState.cancelled}),
    JobState.succeeded: frozenset(),
    JobState.cancelled: frozenset(),
}


class UnknownJob(NotFound):
    code = "unknown_job"


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    state: JobState = JobState.queued
    created_at: float = Field(default_factory=time.time)
    finished_at: float | None = None
    measured: int = 0
    plan: Plan
    tasks: list[Task] = Field(default_factory=list)  # kept to re-enqueue any that get lost
    result: list[GroupOut] | None = None

    def advance(self, state: JobState) -> bool:
        """Move to ``state`` if the lifecycle allows it; False (unchanged) otherwise."""
        if state is self.state:
            return True
        if state not in TRANSITIONS[self.state]:
            return False
        self.state = state
        if state.finished:
            self.finished_at = time.time()
        return True


class JobStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, job: Job) -> None:
        self.store.set(keys.job(job.id), job.model_dump_json(), ttl_s=keys.JOB_TTL_S)
        self.store.set(keys.job_state(job.id), job.state.value, ttl_s=keys.JOB_TTL_S)

    def load(self, job_id: str) -> Job:
        raw = self.store.get(keys.job(job_id))
        if raw is None:
            raise UnknownJob(f"no job {job_id!r} (unknown or expired)", job_id=job_id)
        return Job.model_validate_json(raw)

    def state(self, job_id: str) -> JobState | None:
        raw = self.store.get(keys.job_state(job_id))
        return None if raw is None else JobState(raw)
