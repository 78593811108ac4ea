"""``/v1/jobs``: large batches, asynchronously."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Path

from ...results import Measurement
from ..runtime import Runtime, get_runtime
from ..state.jobs import Job, JobState
from .auth import require_token
from .errors_doc import errors
from .schemas import JobAccepted, JobStatus, Progress, RewardsRequest, RewardsResponse

__all__ = ["router", "refresh"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], dependencies=[Depends(require_token)])

JobId = Path(description="The id POST /v1/jobs returned.", max_length=64, examples=["0b6f1c3e6a4e4d0e9d8a2a6f4f0c9b1e"])


def refresh(runtime: Runtime, job: Job) -> Job:
    """Bring an unfinished job up to date from the result cache; assemble it when complete."""
    if job.state.finished:
        return job
    dispatcher = runtime.dispatcher
    have: dict[str, Measurement] = {}
    dispatcher.collect(job.tasks, have, recheck=True)
    measured = sum(1 for g in job.plan.groups for m in g.members if m.pre is not None or m.task in have)
    before = (job.state, job.measured)
    job.measured = measured
    if len(have) == len(job.tasks):
        job.result = dispatcher.assemble(job.plan, have)
        job.advance(JobState.succeeded)
    elif measured:
        job.advance(JobState.running)
    if (job.state, job.measured) != before:
        runtime.backend.jobs.save(job)
    return job


def _status(job: Job) -> JobStatus:
    return JobStatus(
        job_id=job.id,
        state=job.state,
        progress=Progress(total=job.plan.size, measured=job.measured),
        created_at=job.created_at,
        finished_at=job.finished_at,
        result=RewardsResponse(groups=job.result) if job.result is not None else None,
    )


@router.post("", status_code=202, response_model=JobAccepted, responses=errors(401, 404, 413, 422, 429, 503))
def submit_job(request: RewardsRequest, runtime: Runtime = Depends(get_runtime)) -> JobAccepted:
    """Accept a batch for asynchronous scoring; poll GET /v1/jobs/{job_id} for its results."""
    job_id = uuid.uuid4().hex
    plan, tasks = runtime.dispatcher.plan(request, job=job_id)
    job = Job(id=job_id, plan=plan, tasks=tasks)
    # admitted first, saved after: a refused (429) or failed submission leaves no job behind. A worker
    # that finds no job state before the save only checks for cancellation, which cannot have happened yet.
    runtime.dispatcher.submit(tasks)
    runtime.backend.jobs.save(job)
    return JobAccepted(job_id=job.id, state=job.state, status_url=f"/v1/jobs/{job.id}")


@router.get("/{job_id}", response_model=JobStatus, responses=errors(401, 404, 503))
def get_job(job_id: str = JobId, runtime: Runtime = Depends(get_runtime)) -> JobStatus:
    """State and progress of a job and, once it has succeeded, its results."""
    return _status(refresh(runtime, runtime.backend.jobs.load(job_id)))


@router.delete("/{job_id}", response_model=JobStatus, responses=errors(401, 404, 503))
def cancel_job(job_id: str = JobId, runtime: Runtime = Depends(get_runtime)) -> JobStatus:
    """Cancel a job: its tasks not yet started are skipped. A finished job is left as it is."""
    job = runtime.backend.jobs.load(job_id)
    if job.advance(JobState.cancelled):
        runtime.backend.jobs.save(job)
    return _status(job)
