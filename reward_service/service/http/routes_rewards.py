"""``POST /v1/rewards``: score a batch synchronously."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ..runtime import Runtime, get_runtime
from .auth import require_token
from .errors_doc import errors
from .schemas import RewardsRequest, RewardsResponse

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["rewards"], dependencies=[Depends(require_token)])


@router.post(
    "/rewards",
    response_model=RewardsResponse,
    responses=errors(401, 404, 413, 422, 429, 503, 504),
)
def score_batch(request: RewardsRequest, runtime: Runtime = Depends(get_runtime)) -> RewardsResponse:
    """Score a batch of groups and return one result per response, in request order."""
    dispatcher = runtime.dispatcher
    plan, tasks = dispatcher.plan(request)
    dispatcher.submit(tasks)
    ceiling = runtime.settings.api.sync_deadline_s
    deadline = min(request.options.deadline_s or ceiling, ceiling)
    have = dispatcher.wait(tasks, deadline)
    return RewardsResponse(groups=dispatcher.assemble(plan, have))
