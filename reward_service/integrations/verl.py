"""verl: a group-aware reward manager for the reward loop, and a plain ``compute_score``.

Written against verl 0.9.1 (``verl/experimental/reward_loop/reward_manager/base.py`` and
``naive.py``): the reward loop calls ``await manager.run_single(data)`` once per sample
(``data`` is a one-row ``DataProto``), on any of ``reward.num_workers`` workers, and wants
``{"reward_score": float, "reward_extra_info": dict}`` back, with the same keys for every
sample. The group id is ``non_tensor_batch["uid"]`` (one uuid per prompt, repeated
``actor_rollout_ref.rollout.n`` times), which ``compute_score`` never sees: hence the manager.

    reward.reward_manager.source=importlib
    reward.reward_manager.name=ServiceRewardManager
    reward.reward_manager.module.path=/path/to/site-packages/reward_service/integrations/verl.py
    +reward.reward_service.url=http://rewards:8000          # or REWARD_SERVICE_URL
    +reward.reward_service.token=...                          # or REWARD_SERVICE_TOKEN

Each sample joins the group ``verl/{uid}`` of size ``rollout.n`` under a fresh member id
(verl does not number a prompt's samples; the service gives each the next free index, and
the client's retries keep the id), so the reward is the whole group's, wherever its samples
are scored.

**The problem** is ``non_tensor_batch["reward_model"]["ground_truth"]`` (verl's field for
what a response is checked against): a registered problem id, or an inline problem as a
JSON object string. ``extra_info`` is not read.

**Returns** ``reward_score`` (a float: verl cannot mask, so ``sandbox_error`` scores 0.0) and
``reward_extra_info`` with always the same keys: ``verdict`` (str), ``instructions`` (int,
0 unless passed), ``passed`` (bool), ``sandbox_error`` (bool: exclude these samples from
your metrics, their 0.0 is not the model's) and ``partial`` (bool).

``compute_score`` (for ``reward.custom_reward_function``) scores one sample alone, as a
group of one: correctness and the fixed failure rewards, but no efficiency contrast.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..client import AsyncRewardClient, RewardClient
from ..reward import stand_in_reward
from ..verdict import Verdict
from .common import problem_fields, round_options

__all__ = ["ServiceRewardManager", "compute_score", "EXTRA_KEYS", "score_of"]

EXTRA_KEYS = ("verdict", "instructions", "passed", "sandbox_error", "partial")

if TYPE_CHECKING:
    _Base = object
else:
    try:  # subclass verl's base when verl is installed, so its loader accepts the class
        from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase as _Base
    except ImportError:
        _Base = object


def _setting(config: Any, name: str, env: str) -> Any:
    section: Any = None
    try:
        section = config.reward.get("reward_service") if config is not None else None
    except AttributeError:
        section = None
    value = section.get(name) if isinstance(section, Mapping) or hasattr(section, "get") else None
    return value if value is not None else os.environ.get(env)


def score_of(reward: float | None, verdict: Verdict, instructions: int | None, partial: bool,
             group_mean: float | None = None) -> dict[str, Any]:
    """The reward manager's answer for one sample (also what ``compute_score`` returns, with ``score``).
    verl cannot mask one sample: a null is its group's mean reward (``stand_in_reward``)."""
    passed = verdict is Verdict.passed
    info = {
        "verdict": verdict.value,
        "instructions": int(instructions or 0) if passed else 0,
        "passed": passed,
        "sandbox_error": verdict.masked,
        "partial": partial,
    }
    return {"reward_score": stand_in_reward(reward, group_mean), "reward_extra_info": info}


class ServiceRewardManager(_Base):
    """verl reward-loop manager: ``run_single`` scores one sample within its ``uid`` group."""

    def __init__(self, config: Any, tokenizer: Any, compute_score: Any = None, **kwargs: Any) -> None:
        if _Base is not object:
            base_init: Any = super().__init__  # verl's RewardManagerBase.__init__
            base_init(config, tokenizer, compute_score)
        else:
            self.config, self.tokenizer, self.compute_score = config, tokenizer, compute_score
        url = _setting(config, "url", "REWARD_SERVICE_URL")
        if not url:
            raise ValueError("set +reward.reward_service.url=... (or REWARD_SERVICE_URL)")
        self.url = str(url)
        token = _setting(config, "token", "REWARD_SERVICE_TOKEN")
        self.token = str(token) if token else None
        rollout = config.actor_rollout_ref.rollout
        self.n = int(rollout.n)
        # verl's validation samples val_kwargs.n responses a prompt (default 1) under fresh uids:
        # groups of rollout.n there waited for members that never came (a deadline, then partial)
        val_kwargs = rollout.get("val_kwargs") if hasattr(rollout, "get") else None
        self.val_n = int(val_kwargs.get("n", 1)) if val_kwargs is not None and hasattr(val_kwargs, "get") else 1
        self.options = round_options(_setting(config, "round_digits", "REWARD_ROUND_DIGITS"))
        self._clients: dict[int, AsyncRewardClient] = {}

    def _client(self) -> AsyncRewardClient:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = AsyncRewardClient(self.url, token=self.token)
        return client

    async def aclose(self) -> None:
        """Close the connection pool of the running event loop."""
        client = self._clients.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.aclose()

    async def run_single(self, data: Any) -> dict[str, Any]:
        item = data[-1:][0]  # like verl's naive manager: the last sequence of the sample
        response_ids = item.batch["responses"]
        valid = int(item.batch["attention_mask"][-response_ids.shape[-1] :].sum())
        text = await asyncio.get_running_loop().run_in_executor(
            None, lambda: self.tokenizer.decode(response_ids[:valid], skip_special_tokens=True)
        )
        ground_truth = item.non_tensor_batch["reward_model"]["ground_truth"]
        uid = str(item.non_tensor_batch["uid"])
        meta = getattr(data, "meta_info", None)
        validating = isinstance(meta, Mapping) and bool(meta.get("validate"))
        reply = await self._client().group_members(
            f"verl/{uid}", self.val_n if validating else self.n, [(uuid.uuid4().hex, text)], options=self.options,
            **problem_fields(ground_truth),
        )
        result = reply.results[0]
        return score_of(result.reward, result.verdict, result.instructions, reply.partial, reply.summary.mean_reward)


def compute_score(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """verl's ``compute_score``: one sample alone. Service from ``kwargs`` (``url``, ``token``,
    via ``reward.custom_reward_function.reward_kwargs``) or REWARD_SERVICE_URL / _TOKEN."""
    url = kwargs.get("url") or os.environ.get("REWARD_SERVICE_URL")
    if not url:
        raise ValueError("pass url in reward_kwargs (or set REWARD_SERVICE_URL)")
    token = kwargs.get("token") or os.environ.get("REWARD_SERVICE_TOKEN")
    from ..client import GroupIn

    with RewardClient(str(url), token=token) as client:
        reply = client.rewards([GroupIn(responses=[solution_str], **problem_fields(ground_truth))])
    result = reply.groups[0].results[0]
    out = score_of(result.reward, result.verdict, result.instructions, False)
    return {"score": out["reward_score"], **out["reward_extra_info"]}
