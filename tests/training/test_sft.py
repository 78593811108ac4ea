"""The SFT set on a real scored pool: per problem, the two fastest correct, AST-distinct responses."""

from __future__ import annotations

from reward_service.training import ScoredRow, build_sft, rows_by_problem
from reward_service.verdict import Verdict

from .conftest import Pool


def _expected_counts(rows: list[ScoredRow], k: int) -> list[int]:
    best: dict[str, int] = {}
    for r in rows:
        if r.verdict is Verdict.passed and r.instructions is not None:
            best[r.digest] = r.instructions
    return sorted(best.values())[:k]


def test_two_fastest_correct_ast_distinct_per_problem(pool: Pool) -> None:
    by = rows_by_problem(pool.rows)
    for seed in range(4):
        examples = build_sft(pool.rows, seed=seed)
        assert {e.problem_id for e in examples} == set(by)
        for pid, rows in by.items():
            mine = [e for e in examples if e.problem_id == pid]
            assert [e.rank for e in mine] == [0, 1]
            assert [e.instructions for e in mine] == _expected_counts(rows, 2)
            row_of = {r.response: r for r in rows}
            picked = [row_of[e.response] for e in mine]
            assert all(r.verdict is Verdict.passed for r in picked)
            assert len({r.digest for r in picked}) == 2  # the AST duplicate never doubles up
            assert all(e.prompt == rows[0].prompt and e.prompt for e in mine)


def test_representative_of_an_ast_set_is_drawn_by_seed(pool: Pool) -> None:
    # the fastest-labelled solution and its reformatted copy are one set: either may represent it
    chosen = set()
    for seed in range(12):
        chosen |= {e.response for e in build_sft(pool.rows, seed=seed, per_problem=5)}
    by = rows_by_problem(pool.rows)
    for rows in by.values():
        assert rows[3].response in chosen or rows[4].response in chosen
    assert any(rows[3].response in chosen and rows[4].response in chosen for rows in by.values())
    assert build_sft(pool.rows, seed=7) == build_sft(pool.rows, seed=7)


def test_cap_and_per_problem(pool: Pool) -> None:
    assert len(build_sft(pool.rows, per_problem=1)) == 2
    capped = build_sft(pool.rows, cap=3, seed=1)
    assert len(capped) == 3 and all(e in build_sft(pool.rows, seed=1) for e in capped)
