"""slime: a ``--group-rm`` reward function.

    --custom-rm-path reward_service.integrations.slime.group_rm --group-rm
    REWARD_SERVICE_URL=http://rewards:8000 REWARD_SERVICE_TOKEN=...

slime (624b824) calls ``await group_rm(args, samples)`` once per whole group (the samples
of one prompt) and takes one reward per sample. The group is sent in one request to
``POST /v1/rewards``. The problem is each sample's ``label`` (a registered id, or an
inline problem as a JSON object string), or ``metadata["problem_id"]`` /
``metadata["problem"]`` when given. A null (``sandbox_error``, ``invalid_problem``) is masked:
``sample.remove_sample = True`` (slime leaves it out of the loss), with the group's mean reward;
``sample.metadata["reward_service"]`` gets verdict, instructions, passed and sandbox_error.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from ..client import AsyncRewardClient, GroupIn
from ..reward import stand_in_reward
from .common import problem_fields, round_options

__all__ = ["group_rm", "aclose"]

_clients: dict[tuple[str, int], AsyncRewardClient] = {}  # per (url, event loop): httpx pools belong to one loop


async def aclose() -> None:
    """Close the connection pools of the running event loop."""
    loop = id(asyncio.get_running_loop())
    for key in [k for k in _clients if k[1] == loop]:
        await _clients.pop(key).aclose()


def _problem(sample: Any) -> dict[str, Any]:
    metadata = getattr(sample, "metadata", None) or {}
    if metadata.get("problem") is not None:
        return problem_fields(metadata["problem"])
    if metadata.get("problem_id") is not None:
        return problem_fields(str(metadata["problem_id"]))
    return problem_fields(sample.label)


async def group_rm(args: Any, samples: Sequence[Any], **kwargs: Any) -> list[float]:
    """One reward per sample of the group, in order."""
    url = os.environ.get("REWARD_SERVICE_URL") or getattr(args, "reward_service_url", None)
    if not url:
        raise ValueError("set REWARD_SERVICE_URL")
    key = (url, id(asyncio.get_running_loop()))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = AsyncRewardClient(url, token=os.environ.get("REWARD_SERVICE_TOKEN"))
    group = GroupIn(responses=[s.response for s in samples], **_problem(samples[0]))
    reply = await client.rewards([group], round_options(os.environ.get("REWARD_ROUND_DIGITS")))
    out: list[float] = []
    scored = reply.groups[0]
    for sample, result in zip(samples, scored.results, strict=True):
        metadata = getattr(sample, "metadata", None)
        if isinstance(metadata, dict):
            metadata["reward_service"] = {
                "verdict": result.verdict.value, "instructions": result.instructions or 0,
                "passed": result.verdict.value == "passed", "sandbox_error": result.reward is None,
            }  # fmt: skip
        if result.reward is None:
            # not the model's fault: slime masks the sample out of the loss (Sample.remove_sample),
            # and its reward is the group's mean, so it moves no other member's advantage
            try:
                sample.remove_sample = True
            except AttributeError:
                pass
        out.append(stand_in_reward(result.reward, scored.summary.mean_reward))
    return out
