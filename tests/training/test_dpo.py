"""DPO pairs on a real scored pool: ordered right, in the requested proportion, seeded, capped."""

from __future__ import annotations

import random

import pytest

from reward_service.errors import InvalidInput
from reward_service.training import MIN_RATIO, PairKind, ScoredRow, build_dpo
from reward_service.verdict import Verdict

from .conftest import Pool


def _check_order(pool: Pool, min_ratio: float = MIN_RATIO) -> None:
    row_of = {(r.problem_id, r.response): r for r in pool.rows}
    for proportion in (0.0, 0.1, 0.3, 0.5):
        pairs = build_dpo(pool.rows, proportion=proportion)
        assert pairs
        for p in pairs:
            chosen, rejected = row_of[p.problem_id, p.chosen], row_of[p.problem_id, p.rejected]
            assert chosen.verdict is Verdict.passed
            if p.kind is PairKind.correctness:
                assert rejected.verdict not in (Verdict.passed, Verdict.sandbox_error)
            else:
                assert rejected.verdict is Verdict.passed
                assert chosen.instructions and rejected.instructions
                assert rejected.instructions >= min_ratio * chosen.instructions
                assert chosen.digest != rejected.digest
        n_eff = sum(p.kind is PairKind.efficiency for p in pairs)
        assert abs(n_eff - proportion * len(pairs)) <= 1


def test_pairs_are_ordered_right_and_mixed_as_asked(pool: Pool) -> None:
    _check_order(pool)


def test_seeded_and_capped(pool: Pool) -> None:
    assert build_dpo(pool.rows, seed=3) == build_dpo(pool.rows, seed=3)
    capped = build_dpo(pool.rows, cap=5, proportion=0.4)
    assert len(capped) == 5 and sum(p.kind is PairKind.efficiency for p in capped) == 2
    with pytest.raises(InvalidInput):
        build_dpo(pool.rows, proportion=1.5)


def _row(pid: str, i: int, verdict: Verdict, n: int | None) -> ScoredRow:
    return ScoredRow(problem_id=pid, index=i, group_size=0, prompt=f"solve {pid}", response=f"{pid}-{i}",
                     code=f"x = {i}", digest=f"d{i}", verdict=verdict, instructions=n, reward=0.0)


def test_proportion_within_one_pair_on_a_large_pool() -> None:
    rng = random.Random(0)
    rows = []
    for p in range(40):
        for i in range(30):
            ok = rng.random() < 0.6
            rows.append(_row(f"p{p}", i, Verdict.passed if ok else Verdict.wrong_answer,
                             rng.randrange(1000, 100000) if ok else None))
    for proportion in (0.05, 0.1, 0.25, 0.5, 0.9, 1.0):
        most = len(build_dpo(rows, proportion=proportion))
        for cap in (None, 101, 1000):
            pairs = build_dpo(rows, proportion=proportion, cap=cap)
            n_eff = sum(p.kind is PairKind.efficiency for p in pairs)
            assert abs(n_eff - proportion * len(pairs)) <= 1, (proportion, cap)
            assert len(pairs) == (most if cap is None else min(cap, most))
            assert len({(p.chosen, p.rejected) for p in pairs}) == len(pairs)
    # round-robin: every problem gives pairs before any gives its second
    pairs = build_dpo(rows, proportion=0.0, cap=40)
    assert len({p.problem_id for p in pairs}) == 40
