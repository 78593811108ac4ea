"""The paper's reward: fixed rewards for failures, group-normalised efficiency for passes.

For the group's passing candidates with scores C = -ln N, G = {C}:

    S_min = 1,  S_max = min(2, 1 + max G - min G)
    F(C, G) = S_min + (C - min G) (S_max - S_min) / (max G - min G)

so the slowest passing candidate gets 1.0 and the fastest at most 2.0. A group with one
passing candidate, or with all of them equal, gives 1.0 to each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .results import Aggregate
from .verdict import FIXED_REWARDS, Verdict

__all__ = ["score_of", "efficiency_rewards", "aggregate_counts", "reward_for", "apply_rounding", "stand_in_reward"]


def score_of(instructions: int) -> float:
    """C = -ln(N). N below 1 is clamped to 1 (C = 0)."""
    return -math.log(max(int(instructions), 1))


def aggregate_counts(counts: Sequence[int], how: Aggregate = "sum") -> int:
    """N from the counts of several performance inputs.

    ``sum`` (default) weights each input by its own cost, so the largest input dominates,
    as a trainer timing the whole suite would see it. ``max`` takes the worst input,
    ``mean`` the rounded average.
    """
    if not counts:
        raise ValueError("no counts to aggregate")
    if how == "sum":
        return int(sum(counts))
    if how == "max":
        return int(max(counts))
    return int(round(sum(counts) / len(counts)))


def efficiency_rewards(scores: Sequence[float]) -> list[float]:
    """F(C, G) for every C in ``scores`` (all of them passing candidates of one group)."""
    if not scores:
        return []
    lo, hi = min(scores), max(scores)
    if hi - lo <= 0.0:
        return [1.0 for _ in scores]
    s_min, s_max = 1.0, min(2.0, 1.0 + (hi - lo))
    return [s_min + (c - lo) * (s_max - s_min) / (hi - lo) for c in scores]


def apply_rounding(reward: float | None, digits: int | None) -> float | None:
    if reward is None or digits is None:
        return reward
    return round(reward, digits)


def reward_for(verdicts: Sequence[Verdict], instructions: Sequence[int | None]) -> list[float | None]:
    """Rewards of one group, in order. Passing members without a count get 1.0."""
    if len(verdicts) != len(instructions):
        raise ValueError("verdicts and instructions differ in length")
    out: list[float | None] = [None] * len(verdicts)
    passing = [i for i, v in enumerate(verdicts) if v is Verdict.passed]
    counted = [i for i in passing if instructions[i] is not None]
    effs = efficiency_rewards([score_of(instructions[i] or 1) for i in counted])
    for i, r in zip(counted, effs, strict=True):
        out[i] = r
    for i in passing:
        if instructions[i] is None:
            out[i] = 1.0
    for i, v in enumerate(verdicts):
        if v is not Verdict.passed:
            out[i] = FIXED_REWARDS[v]
    return out


def stand_in_reward(reward: float | None, group_mean: float | None) -> float:
    """The reward a trainer that cannot mask one sample gets for it: its own, or, for a null
    (``sandbox_error``, ``invalid_problem``: not the model's fault), the mean of its group's
    scored members, so its advantage over the group's baseline is zero instead of the
    penalty a 0.0 would be (0.0 when nothing of the group was scored)."""
    if reward is not None:
        return float(reward)
    return float(group_mean) if group_mean is not None else 0.0
