"""TRL: an async reward function for ``GRPOTrainer`` / ``RLOOTrainer`` (``reward_funcs=[...]``).

    from reward_service.integrations.trl import ServiceReward
    reward = ServiceReward("http://rewards:8000", num_generations=16, token="...")
    trainer = GRPOTrainer(model=..., reward_funcs=[reward], args=GRPOConfig(num_generations=16, ...), ...)

TRL (1.16, ``GRPOTrainer._calculate_rewards``) calls each reward function on the
process's own slice of the generation batch, by keyword: ``prompts``, ``completions``,
``completion_ids``, every other dataset column as a list, ``trainer_state``,
``log_extra`` and ``log_metric``; it does not say the group size, and a group of
``num_generations`` rows can straddle two processes. So each row's group is derived, the
same way TRL itself slices the batch (``process_slice`` in ``_generate_and_score_completions``):

    row     = process_index * len(prompts) + position          (position in this call)
    group   = row // num_generations,  index = row % num_generations
    key     = f"{run_id}/{trainer_state.global_step}/{call}/{group}"

where ``call`` counts this function's calls in this process (every process calls it once
per generation batch, in step). Each group's local members go to ``POST /v1/groups/members``
(:mod:`reward_service.service.queue.rendezvous`): the members on the other process join the
same group, and both get the rewards of the whole group.

TRL does not tell a reward function whether it scores training or evaluation
completions, so evaluation must use the same group size: leave ``num_generations_eval``
unset (it defaults to ``num_generations``).

``run_id`` must be the same on every process and unique per training run: pass it, or set
``REWARD_RUN_ID``; by default it is random, drawn by rank 0 and broadcast over
``torch.distributed`` at the first call (:func:`default_run_id`).

The problem comes from the dataset column ``problem_column`` (default ``problem_id``): a
registered id, or an inline problem (a mapping or a JSON object string). Returns one
float per row, or ``None`` for ``sandbox_error`` (TRL masks it). With ``log_metric``, logs
``reward_service/pass_rate``, ``reward_service/mean_instructions`` (passed rows) and
``reward_service/verdict/<verdict>`` counts, and ``reward_service/partial_groups``.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

from ..client import AsyncRewardClient, GroupMembersResponse, RetryPolicy, RewardOptions
from ..verdict import Verdict
from .common import completion_text, problem_fields

__all__ = ["ServiceReward", "default_run_id", "group_of"]


def default_run_id() -> str:
    """``REWARD_RUN_ID``; else a random id, the same on every process: rank 0's, broadcast over
    ``torch.distributed`` when it is initialised (as under accelerate or torchrun), this
    process's own when it runs alone. One built from the launcher's environment
    (``trl-none-127.0.0.1-29500``, torchrun's defaults) was the same for every run on a host,
    so a second run, or a restart, met the first one's groups: 409, and the run ended."""
    given = os.environ.get("REWARD_RUN_ID")
    if given:
        return given
    run_id = [f"trl-{uuid.uuid4().hex[:16]}"]
    try:
        import torch.distributed as dist

        initialised = dist.is_available() and dist.is_initialized()
        if initialised and dist.get_world_size() > 1:
            dist.broadcast_object_list(run_id, src=0)
    except ImportError:
        initialised = False
    if not initialised and int(os.environ.get("WORLD_SIZE", "1")) > 1:  # each process would draw its own
        raise RuntimeError("several processes, no REWARD_RUN_ID and no torch.distributed to agree on one: "
                           "set REWARD_RUN_ID, the same on every process")
    return str(run_id[0])


def _problem_key(problem: Any) -> str:
    """A row's problem as text (an inline problem with a NaN in it equals itself here)."""
    return problem if isinstance(problem, str) else json.dumps(problem, sort_keys=True, default=str)


def group_of(process_index: int, rows: int, position: int, num_generations: int) -> tuple[int, int]:
    """(group, index in group) of a row: the formula in the module's docstring."""
    row = process_index * rows + position
    return row // num_generations, row % num_generations


def _process_index() -> int:
    try:
        from accelerate import PartialState

        return int(PartialState().process_index)
    except ImportError:
        return int(os.environ.get("RANK", "0"))


class ServiceReward:
    """An async callable for ``reward_funcs``; picklable (the connection pool is rebuilt)."""

    def __init__(
        self,
        url: str,
        *,
        num_generations: int,
        problem_column: str = "problem_id",
        token: str | None = None,
        run_id: str | None = None,
        options: RewardOptions | None = None,
        deadline_s: float = 600.0,
        retry: RetryPolicy | None = None,
        name: str = "reward_service",
    ) -> None:
        self.url = url
        self.num_generations = num_generations
        self.problem_column = problem_column
        self.token = token
        self._run_id = run_id  # resolved at the first call: torch.distributed is initialised by then
        self.options = options
        self.deadline_s = deadline_s
        self.retry = retry
        self.__name__ = name  # TRL names the reward after it
        self.calls = 0
        self._clients: dict[int, AsyncRewardClient] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_clients"] = {}
        return state

    def _client(self) -> AsyncRewardClient:
        loop = id(asyncio.get_running_loop())  # httpx's pool belongs to one event loop
        client = self._clients.get(loop)
        if client is None:
            client = AsyncRewardClient(self.url, token=self.token, retry=self.retry, deadline_s=self.deadline_s)
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the connection pool of the running event loop."""
        client = self._clients.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.aclose()

    def keys(self, rows: int, step: int, call: int, process_index: int) -> list[tuple[str, int]]:
        """(group key, index) of each row of a call: see the module's docstring."""
        out = []
        for position in range(rows):
            group, index = group_of(process_index, rows, position, self.num_generations)
            out.append((f"{self.run_id}/{step}/{call}/{group}", index))
        return out

    @property
    def run_id(self) -> str:
        if self._run_id is None:
            self._run_id = default_run_id()
        return self._run_id

    async def __call__(
        self,
        prompts: list[Any],
        completions: list[Any],
        completion_ids: list[Any] | None = None,
        *,
        trainer_state: Any = None,
        log_extra: Callable[[str, list[Any]], None] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        call, self.calls = self.calls, self.calls + 1
        step = int(getattr(trainer_state, "global_step", 0) or 0)
        problems = columns.get(self.problem_column)
        if problems is None:
            raise KeyError(f"the dataset has no column {self.problem_column!r} (problem_column)")
        located = self.keys(len(completions), step, call, _process_index())
        groups: dict[str, list[int]] = {}
        for position, (key, _) in enumerate(located):
            groups.setdefault(key, []).append(position)
        for key, positions in groups.items():
            # rows of one group must share their problem: with another group size than the
            # trainer's (num_generations_eval, say), the rows of a derived group were scored
            # against the first row's problem, in silence
            if len({_problem_key(problems[i]) for i in positions}) > 1:
                raise ValueError(f"group {key}: rows {positions} hold different problems: ServiceReward's "
                                 f"num_generations ({self.num_generations}) is not the trainer's group size "
                                 "(set num_generations_eval to num_generations, or leave it unset)")
        client = self._client()

        async def score(key: str, positions: list[int]) -> tuple[list[int], GroupMembersResponse]:
            members = [(located[i][1], completion_text(completions[i])) for i in positions]
            reply = await client.group_members(key, self.num_generations, members, options=self.options,
                                               **problem_fields(problems[positions[0]]))  # fmt: skip
            return positions, reply

        replies = await asyncio.gather(*(score(k, ps) for k, ps in groups.items()))
        rewards: list[float | None] = [None] * len(completions)
        verdicts: list[str] = [""] * len(completions)
        instructions: list[int | None] = [None] * len(completions)
        for positions, reply in replies:
            for position, result in zip(positions, reply.results, strict=True):
                rewards[position] = result.reward
                verdicts[position] = result.verdict.value
                instructions[position] = result.instructions
        if log_metric is not None:
            passed = [n for v, n in zip(verdicts, instructions, strict=True) if v == Verdict.passed.value]
            log_metric("reward_service/pass_rate", len(passed) / max(1, len(verdicts)))
            counted = [n for n in passed if n is not None]
            if counted:
                log_metric("reward_service/mean_instructions", sum(counted) / len(counted))
            for verdict in Verdict:
                log_metric(f"reward_service/verdict/{verdict.value}", float(verdicts.count(verdict.value)))
            log_metric("reward_service/partial_groups", float(sum(1 for _, r in replies if r.partial)))
        if log_extra is not None:
            log_extra("verdict", verdicts)
        return rewards
