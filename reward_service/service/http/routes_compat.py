"""``POST /v1/compat/openrlhf``: OpenRLHF's remote reward protocol, groups and all.

OpenRLHF (v0.11, ``--reward.remote_url``) POSTs each sample as it finishes, as
``{"query": [prompt + response], "prompts": [prompt], "labels": [label]}``, with no group
id, and reads ``{"rewards", "scores", "extra_logs"}`` (``openrlhf/utils/agent.py``,
``SingleTurnAgentExecutor``; each value becomes a one-element tensor in
``trainer/ppo_utils/samples_generator.py``, so all are numbers). Its client gives up after
180 s and tries 5 times.

Here the samples of one prompt are assembled into groups of ``n`` (``?n=``, else
``REWARD_API__OPENRLHF_N``; set it to ``--rollout.n_samples_per_prompt``): the k-th sample
to arrive with a given (prompt, label) is member ``k mod n`` of group ``k div n`` of that
pair (:mod:`..queue.rendezvous`). Every request answers within
``REWARD_API__OPENRLHF_DEADLINE_S`` (150 s): for a group still incomplete then, the reward
is computed over the members present (``extra_logs.partial`` = 1). Arrivals are counted per
(``?run=``, n, prompt, label): give each training run its own ``run`` (a restarted run, or
an evaluation pass with another n, then never meets earlier leftovers). A retried sample
arrives again and takes the next slot: that is the price of a protocol without ids.
"""

from __future__ import annotations

import asyncio
import hashlib

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import ValidationError

from ...errors import DeadlineExceeded, InvalidInput, InvalidProblem, LimitExceeded
from ...problem import Problem
from ...reward import stand_in_reward
from ...verdict import Verdict
from .. import metrics
from ..queue.rendezvous import gather_members
from ..runtime import Runtime, get_runtime
from ..state import keys
from .auth import bearer, check_token
from .errors_doc import errors
from .schemas import GroupMembersRequest, MemberIn, OpenRLHFRequest, OpenRLHFResponse, RewardOptions

__all__ = ["router", "VERDICT_CODES", "response_text"]



async def _token(
    request: Request,
    token: str | None = Query(default=None, description="The bearer token, for trainers that send no header."),
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
) -> None:
    if token is not None:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    check_token(request, credentials)


router = APIRouter(prefix="/v1/compat", tags=["compat"], dependencies=[Depends(_token)])

#: ``extra_logs.verdict``: OpenRLHF logs numbers only, so each verdict has a fixed code.
VERDICT_CODES: dict[Verdict, int] = {v: i for i, v in enumerate(Verdict)}

_LOG_KEYS = ("passed", "instructions", "verdict", "sandbox_error", "partial")
_MAX_ID_CHARS = 200  # GroupMembersRequest.problem_id


def response_text(query: str, prompt: str) -> str:
    """The response: the query with the prompt removed (OpenRLHF decodes prompt and response
    tokens together, so the prompt is normally an exact prefix)."""
    if query.startswith(prompt):
        return query[len(prompt) :]
    at = query.find(prompt) if prompt else -1
    return query[at + len(prompt) :] if at >= 0 else query


def _problem(label: str) -> tuple[str | None, Problem | None]:
    if label.lstrip().startswith("{"):
        try:
            return None, Problem.model_validate_json(label)
        except ValidationError as exc:
            raise InvalidProblem(f"label is not a valid inline problem: {exc.error_count()} errors") from exc
    if len(label) > _MAX_ID_CHARS:
        raise InvalidInput(f"label is neither an inline problem (JSON) nor a problem id (at most {_MAX_ID_CHARS} "
                           f"characters): {label[:60]!r}...", field="labels")
    return label, None


async def _one(runtime: Runtime, query: str, prompt: str, label: str, n: int, run: str,
               round_digits: int | None) -> dict[str, float]:
    problem_id, problem = _problem(label)
    # counted per run and group size: an evaluation pass with another n, or a run restarted
    # within the counters' day, shifted every later group of the prompt by its leftovers
    digest = hashlib.sha256(f"{run}\0{n}\0{prompt}\0{label}".encode()).hexdigest()[:32]
    store = runtime.backend.store
    arrival = await asyncio.to_thread(store.hincr, keys.arrivals(digest), "n") - 1
    await asyncio.to_thread(store.expire, keys.arrivals(digest), keys.GROUP_COUNTER_TTL_S)
    deadline = runtime.settings.api.openrlhf_deadline_s
    request = GroupMembersRequest(
        group_key=f"openrlhf/{n}/{digest}/{arrival // n}",
        size=n,
        problem_id=problem_id,
        problem=problem,
        members=[MemberIn(index=arrival % n, response=response_text(query, prompt))],
        options=RewardOptions(deadline_s=deadline, round_digits=round_digits),
    )
    try:
        reply = await gather_members(runtime.dispatcher, request, deadline)
    except DeadlineExceeded:  # never measured in time: answer anyway, as an infrastructure failure
        metrics.count_scored([Verdict.sandbox_error])
        return {"reward": 0.0, "score": 0.0, "passed": 0.0, "instructions": 0.0,
                "verdict": float(VERDICT_CODES[Verdict.sandbox_error]), "sandbox_error": 1.0, "partial": 1.0}  # fmt: skip
    result = reply.results[0]
    passed = result.verdict is Verdict.passed
    return {
        "reward": stand_in_reward(result.reward, reply.summary.mean_reward),  # OpenRLHF cannot mask one sample
        "score": 1.0 if passed else 0.0,
        "passed": 1.0 if passed else 0.0,
        "instructions": float(result.instructions or 0) if passed else 0.0,
        "verdict": float(VERDICT_CODES[result.verdict]),
        "sandbox_error": 1.0 if result.verdict.masked else 0.0,
        "partial": 1.0 if reply.partial else 0.0,
    }


@router.post("/openrlhf", response_model=OpenRLHFResponse, responses=errors(401, 404, 413, 422, 429, 503))
async def openrlhf(
    body: OpenRLHFRequest,
    n: int | None = Query(default=None, ge=1, le=4096, description="Samples per prompt (--rollout.n_samples_per_prompt)."),
    run: str = Query(default="", max_length=200, description="An id of this training run: groups are counted "
                     "per run, so a restarted run does not meet an earlier one's leftover samples."),
    round_digits: int | None = Query(default=None, alias="round", ge=0, le=12,
                                     description="Round the efficiency rewards to this many digits (GRPO with Round)."),
    runtime: Runtime = Depends(get_runtime),
) -> OpenRLHFResponse:
    """OpenRLHF's remote reward: one reward per query, scored in groups of n samples per (prompt, label).

    `rewards`: the paper's reward (for sandbox_error, which OpenRLHF cannot mask, the group's mean reward);
    `scores`: 1.0 if the response passed, else 0.0 (for dynamic filtering); `extra_logs`:
    passed, instructions, verdict (a code: `VERDICT_CODES`), sandbox_error and partial,
    all numbers. Scalars for a one-query request (OpenRLHF's case), else lists.
    """
    size = n or runtime.settings.api.openrlhf_n
    most = runtime.settings.api.max_responses_per_group
    if size > most:  # as POST /v1/groups/members: no group waits for more members than one may hold
        raise LimitExceeded(f"groups of n={size}; at most {most}", limit="max_responses_per_group")
    rows = await asyncio.gather(
        *(_one(runtime, q, p, lab, size, run, round_digits)
          for q, p, lab in zip(body.query, body.prompts, body.labels, strict=True))
    )
    if len(rows) == 1:
        row = rows[0]
        return OpenRLHFResponse(rewards=row["reward"], scores=row["score"], extra_logs={k: row[k] for k in _LOG_KEYS})
    return OpenRLHFResponse(
        rewards=[r["reward"] for r in rows],
        scores=[r["score"] for r in rows],
        extra_logs={k: [r[k] for r in rows] for k in _LOG_KEYS},
    )
