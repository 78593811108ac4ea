"""The contrast report: counts, contrast, ordering agreement and failures, from either solutions format."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from reward_service.cli import build_parser
from reward_service.contrast import Labelled, format_summary, load_labelled, summarize, task_contrast
from reward_service.problem import Problem, dump_problems, load_problems
from reward_service.scoring import Scorer

_GEN = "def generate(scale, seed):\n    return {'args': [list(range(scale))], 'kwargs': {}}\n"
_SOLUTIONS = [
    ("def f(xs):\n    return len(xs) != len(set(xs))\n", 3),
    ("def f(xs):\n    seen = set()\n    for x in xs:\n        if x in seen:\n            return True\n"
     "        seen.add(x)\n    return False\n", 2),
    ("def f(xs):\n    return any(xs[i] == xs[j] for i in range(len(xs)) for j in range(i))\n", 0),
    ("def f(xs):\n    return True\n", 1),  # wrong, though ranked to pass
]


def make() -> Problem:
    return Problem(id="t/dup", entry_point="f", reference=_SOLUTIONS[0][0],
                   tests=[{"args": [[1, 2, 1]]}, {"args": [[1, 2, 3]]}],
                   performance={"generator": _GEN, "scale": 300})


@pytest.mark.slow
def test_task_contrast_counts_orders_and_failures(scorer: Scorer) -> None:
    result = task_contrast(scorer, make(), [Labelled(s, r) for s, r in _SOLUTIONS], concurrency=2)
    assert result.metered_inputs == "performance"
    assert result.passed == 3 and [(f.index, f.kind) for f in result.failures] == [(3, "wrong answer in tests")]
    assert result.pairs == 2 and result.agreeing == 2  # rank 3 and 2 beat rank 0
    assert result.contrast is not None and result.contrast > 20
    summary = summarize([result])
    assert (summary.tasks, summary.solutions, summary.failures, summary.agreement) == (1, 4, 1, 1.0)
    assert summary.failure_kinds == {"wrong answer in tests": 1}
    assert "1 failures of solutions that should pass (1 wrong answer in tests), ordering 2/2 = 100.0%" \
        in format_summary(summary)


def test_load_labelled_reads_both_formats(tmp_path: Path) -> None:
    clusters = tmp_path / "clusters.jsonl.gz"
    with gzip.open(clusters, "wt") as fh:
        fh.write(json.dumps({"task_id": "t/dup", "solutions": [{"solution": s, "matching_cluster_idx": r}
                                                               for s, r in _SOLUTIONS]}) + "\n")
    flat = tmp_path / "flat.jsonl"
    flat.write_text("".join(json.dumps({"task_id": "t/dup", "solution": s, "rank": r}) + "\n" for s, r in _SOLUTIONS))
    assert load_labelled(clusters) == load_labelled(flat) == {"t/dup": [Labelled(s, r) for s, r in _SOLUTIONS]}


@pytest.mark.slow
def test_cli_calibrate_then_contrast(tmp_path: Path, capsys: pytest.CaptureFixture[str], scorer: Scorer) -> None:
    def main(argv: list[str]) -> int:
        args = build_parser().parse_args(argv)
        return int(args.func(args, scorer.settings))

    problems, solutions, out = tmp_path / "p.jsonl", tmp_path / "s.jsonl", tmp_path / "calibrated.jsonl"
    dump_problems([make()], problems)
    solutions.write_text("".join(json.dumps({"task_id": "t/dup", "solution": s, "rank": r}) + "\n"
                                 for s, r in _SOLUTIONS[:2]))  # the linear ones: quick to meter
    assert main(["calibrate", "--problems", str(problems), "--solutions", str(solutions),
                 "--target", "200000", "--start", "32", "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert "t/dup" in line and "stop target" in line and "slower 0: N=" in line and "contrast" in line
    (calibrated,) = load_problems(out)
    assert calibrated.performance is not None and calibrated.performance.scale > 32
    assert main(["contrast", "--problems", str(out), "--solutions", str(solutions)]) == 0
    assert "summary: 1 tasks, 2 solutions, 0 failures" in capsys.readouterr().out


def test_contrast_is_undefined_with_one_rank_and_failures_have_kinds() -> None:
    from reward_service.contrast import Failure, TaskContrast
    from reward_service.results import Diagnostic, Measurement
    from reward_service.verdict import Verdict

    slow_unranked = TaskContrast("t/a", "performance", ranks=[2, 2, -1], verdicts=["passed"] * 3, counts=[10, 30, 900])
    assert slow_unranked.contrast == 90.0  # a passing rank -1 solution is a slower class
    one_rank = TaskContrast("t/a", "performance", ranks=[2, 2], verdicts=["passed"] * 2, counts=[10, 30])
    assert one_rank.contrast is None
    two_ranks = TaskContrast("t/b", "performance", ranks=[2, 0, 0], verdicts=["passed"] * 3, counts=[10, 30, 50])
    assert two_ranks.contrast == 5.0
    summary = summarize([one_rank, two_ranks])
    assert (summary.median_contrast, summary.undefined_contrast) == (5.0, 1)
    assert "(1 tasks undefined: one rank passes)" in format_summary(summary)

    def kind(verdict: Verdict, **diagnostic: object) -> str:
        return Failure.of(0, 0, Measurement(verdict=verdict, diagnostic=Diagnostic(**diagnostic))).kind

    assert kind(Verdict.runtime_error, exception="ModuleNotFoundError", test_index=0) == "missing module"
    assert kind(Verdict.timeout, test_index=3, limit="cpu") == "timeout in tests"
    assert kind(Verdict.timeout, limit="cpu", message="time limit exceeded (cpu) in the tests") == "timeout in tests"
    assert kind(Verdict.wrong_answer, perf_input_index=0) == "wrong answer on performance inputs"
    assert kind(Verdict.sandbox_error) == "sandbox error"
