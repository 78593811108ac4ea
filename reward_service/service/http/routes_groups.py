"""``POST /v1/groups/members``: members of a group assembled across requests and replicas."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...errors import LimitExceeded
from ..queue.rendezvous import gather_members
from ..runtime import Runtime, get_runtime
from .auth import require_token
from .errors_doc import errors
from .schemas import GroupMembersRequest, GroupMembersResponse

__all__ = ["router"]

router = APIRouter(prefix="/v1/groups", tags=["groups"], dependencies=[Depends(require_token)])


@router.post(
    "/members",
    response_model=GroupMembersResponse,
    responses=errors(401, 404, 409, 413, 422, 429, 503, 504),
)
async def score_members(request: GroupMembersRequest, runtime: Runtime = Depends(get_runtime)) -> GroupMembersResponse:
    """Score some members of a group whose other members come in other requests.

    Name the group (`group_key`), its `size` and each member's `index`. The reply comes
    when every member of the group, from any request to any replica, is registered and
    measured (`complete`: the rewards equal those of one request with the whole group),
    or at this request's deadline (`options.deadline_s`), in which case the rewards are
    normalised over the members present and the reply is marked `partial`; if one of
    this request's own members is not measured by then, it is a 504 instead.

    Resending a member is idempotent: the same response under the same index is
    registered and measured once, and gets the same reward (so retry freely, on any
    replica). Another response under a registered index, or another size, problem or
    options for the group, is a 409 `conflict`. The group is kept until the latest
    caller's deadline plus 10 minutes, then removed, complete or not. `deadline_s`
    defaults to, and is capped by, REWARD_API__GROUP_DEADLINE_S (600 s).
    """
    settings = runtime.settings.api
    if request.size > settings.max_responses_per_group:
        raise LimitExceeded(
            f"a group of {request.size}; at most {settings.max_responses_per_group}", limit="max_responses_per_group"
        )
    deadline = min(request.options.deadline_s or settings.group_deadline_s, settings.group_deadline_s)
    return await gather_members(runtime.dispatcher, request, deadline)
