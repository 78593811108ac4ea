"""The paper's DPO set: correctness pairs and efficiency pairs, mixed in a chosen proportion.

    pool rows --AST representatives--> per problem: correct C, incorrect I
      correctness pairs: (c, i), c in C, i in I; each response of C and I in at least one pair
      efficiency pairs:  (fast, slow), both in C, N(slow) >= MIN_RATIO * N(fast); one per slow response
    --seeded draw, round-robin over problems--> ``proportion`` efficiency pairs, ``cap`` pairs at most

The paper's best stage-2 start was trained on 90% correctness and 10% efficiency pairs, so
``proportion`` defaults to 0.1. The total is the largest number of pairs (up to ``cap``) for
which both kinds suffice, and ``round(proportion * total)`` of them are efficiency pairs, so
the mix is within half a pair of the one asked for. Drawing round-robin over problems keeps
problems with many samples from crowding out the rest.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from ..errors import InvalidInput
from ..verdict import Verdict
from .dedupe import representatives
from .pool import ScoredRow, rows_by_problem

__all__ = ["MIN_RATIO", "PairKind", "DPOPair", "build_dpo", "correctness_pairs", "efficiency_pairs"]

#: Efficiency pairs need the slower response to run at least 25% more instructions than the
#: faster. Why 1.25: callgrind counts of one program repeat to well under 1% (hash seeds,
#: allocator), so any gap above a few percent is real; but gaps of 5-20% are what layout-level
#: rewrites (a comprehension for a loop, a local for a global) give, and a preference between
#: two such programs teaches style more than efficiency, while the reward's high-contrast inputs
#: put algorithmic differences at 2x and far beyond. 1.25 keeps constant-factor wins that matter
#: (skipping repeated work) and drops near-ties, which would be label noise for DPO.
MIN_RATIO = 1.25


class PairKind(str, enum.Enum):
    correctness = "correctness"  # chosen passed, rejected failed (any verdict but sandbox_error)
    efficiency = "efficiency"  # both passed, chosen ran at least MIN_RATIO times fewer instructions


class DPOPair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    problem_id: str
    prompt: str
    chosen: str
    rejected: str
    kind: PairKind
    chosen_instructions: int | None = None
    rejected_instructions: int | None = None
    rejected_verdict: Verdict


def _pair(a: ScoredRow, b: ScoredRow, kind: PairKind) -> DPOPair:
    return DPOPair(problem_id=a.problem_id, prompt=a.prompt, chosen=a.response, rejected=b.response, kind=kind,
                   chosen_instructions=a.instructions, rejected_instructions=b.instructions,
                   rejected_verdict=b.verdict)


def correctness_pairs(group: Sequence[ScoredRow], rng: random.Random) -> list[DPOPair]:
    """max(|C|, |I|) distinct (correct, incorrect) pairs; every response is in one."""
    correct = [r for r in group if r.correct]
    wrong = [r for r in group if not r.correct and not r.verdict.masked and r.verdict is not Verdict.passed]
    if not correct or not wrong:
        return []
    rng.shuffle(correct)
    rng.shuffle(wrong)
    return [_pair(correct[k % len(correct)], wrong[k % len(wrong)], PairKind.correctness)
            for k in range(max(len(correct), len(wrong)))]


def efficiency_pairs(group: Sequence[ScoredRow], rng: random.Random, min_ratio: float = MIN_RATIO) -> list[DPOPair]:
    """For each correct response, a random one at least ``min_ratio`` times faster, if any."""
    correct = sorted((r for r in group if r.correct), key=lambda r: (r.instructions or 0, r.index))
    pairs = []
    for k, slow in enumerate(correct):
        assert slow.instructions is not None
        faster = [f for f in correct[:k] if f.instructions is not None and slow.instructions >= min_ratio * f.instructions]
        if faster:
            pairs.append(_pair(faster[rng.randrange(len(faster))], slow, PairKind.efficiency))
    return pairs


def _round_robin(per_problem: list[list[DPOPair]], n: int) -> list[DPOPair]:
    out: list[DPOPair] = []
    depth = 0
    while len(out) < n:
        took = False
        for pairs in per_problem:
            if depth < len(pairs) and len(out) < n:
                out.append(pairs[depth])
                took = True
        if not took:
            break
        depth += 1
    return out


def _split(available_corr: int, available_eff: int, proportion: float, cap: int | None) -> tuple[int, int]:
    """(correctness, efficiency) counts: the largest total both kinds allow, efficiency = round(p * total)."""
    limits = []
    if proportion < 1:
        limits.append(available_corr / (1 - proportion))
    if proportion > 0:
        limits.append(available_eff / proportion)
    total = math.floor(min(limits) + 1e-9)
    if cap is not None:
        total = min(total, cap)
    n_eff = round(proportion * total)
    return total - n_eff, n_eff


def build_dpo(rows: Sequence[ScoredRow], *, proportion: float = 0.1, cap: int | None = None, seed: int = 0,
              min_ratio: float = MIN_RATIO) -> list[DPOPair]:
    """DPO pairs from a scored pool (see the module docstring), in a seeded random order."""
    if not 0 <= proportion <= 1:
        raise InvalidInput(f"proportion must be in [0, 1], got {proportion}")
    if min_ratio < 1:
        raise InvalidInput(f"min_ratio must be at least 1, got {min_ratio}")
    rng = random.Random(seed)
    corr: list[list[DPOPair]] = []
    eff: list[list[DPOPair]] = []
    for group in rows_by_problem(rows).values():
        reps = representatives(group, rng)
        corr.append(correctness_pairs(reps, rng))
        eff.append(efficiency_pairs(reps, rng, min_ratio))
    order = list(range(len(corr)))
    rng.shuffle(order)
    corr = [corr[i] for i in order]
    eff = [eff[i] for i in order]
    n_corr, n_eff = _split(sum(map(len, corr)), sum(map(len, eff)), proportion, cap)
    pairs = _round_robin(corr, n_corr) + _round_robin(eff, n_eff)
    rng.shuffle(pairs)
    return pairs
