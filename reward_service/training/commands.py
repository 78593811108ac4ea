"""The stage-1 subcommands behind ``reward-service pool | sft | dpo | eval`` (argparse in ``cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import InvalidInput
from ..problem import Problem, load_problems
from ..results import ScoreOptions
from ..settings import Settings
from .dpo import build_dpo
from .formats import Format, write_jsonl
from .metrics import EvalReport, evaluate, reference_counts
from .pool import read_pool, score_pool
from .sft import build_sft

__all__ = ["add_parsers"]


def _problems(args: argparse.Namespace) -> dict[str, Problem]:
    from ..datasets import evalperf_problems, load_leetcode, load_mbppplus

    if args.problems:
        return {p.id: p for p in load_problems(args.problems)}
    loaders: dict[str, Callable[[], list[Problem]]] = {
        "mbppplus": load_mbppplus, "evalperf": evalperf_problems, "leetcode": load_leetcode}
    return {p.id: p for p in loaders[args.dataset]()}


def _evalperf_solutions(problems: dict[str, Problem]) -> list[tuple[Problem, list[str]]]:
    """EvalPerf's cluster-labelled solutions of the tasks in ``problems``, as fenced responses."""
    from ..datasets import load_evalperf

    return [(problems[t.task_id], [f"```python\n{s.source}\n```\n" for s in t.solutions])
            for t in load_evalperf() if t.task_id in problems]


def cmd_pool(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from ..score_files import read_groups
    from ..scoring import Scorer

    problems = _problems(args)
    if args.evalperf_solutions:
        groups = _evalperf_solutions(problems)
    elif args.responses:
        raw = read_groups(args.responses, warn=lambda m: print(f"warning: {m}", file=sys.stderr))
        missing = sorted({g.problem_id for g in raw} - problems.keys())
        if missing:
            raise InvalidInput(f"unknown problem ids: {', '.join(missing[:10])}")
        groups = [(problems[g.problem_id], g.responses) for g in raw]
    else:
        raise InvalidInput("give --responses, or --evalperf-solutions")
    done = {r.problem_id for r in read_pool(args.out)} if args.out.exists() else set()
    if all(p.id in done for p, _ in groups):  # nothing to score: do not start a sandbox
        print(f"{len(done)} problems in {args.out} ({len(groups)} resumed); 0 responses scored", file=sys.stderr)
        return 0
    if args.meter:
        settings = settings.model_copy(update={"meter": settings.meter.model_copy(update={"backend": args.meter})})
    total = sum(len(rs) for p, rs in groups if p.id not in done)
    with Scorer(settings) as scorer, Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("scoring", total=total)
        summary = score_pool(scorer, groups, args.out, options=ScoreOptions(round_digits=args.round), chunk=args.chunk,
                             progress=lambda n: progress.advance(task, n))
    tally = ", ".join(f"{v.value}: {n}" for v, n in sorted(summary.verdicts.items(), key=lambda kv: kv[0].value))
    print(
        f"{summary.problems} problems in {args.out} ({summary.resumed} resumed); {summary.received} responses scored, "
        f"{summary.measured} unique programs run, {summary.seconds:.1f} s "
        f"({summary.responses_per_second:.1f} responses/s); {tally or 'nothing to do'}", file=sys.stderr)
    return 0


def cmd_sft(args: argparse.Namespace, settings: Settings) -> int:
    examples = build_sft(read_pool(args.pool), per_problem=args.per_problem, cap=args.cap, seed=args.seed)
    n = write_jsonl(examples, Format(args.format), args.out)
    print(f"{n} SFT examples from {len({e.problem_id for e in examples})} problems -> {args.out}", file=sys.stderr)
    return 0


def cmd_dpo(args: argparse.Namespace, settings: Settings) -> int:
    pairs = build_dpo(read_pool(args.pool), proportion=args.proportion, cap=args.cap, seed=args.seed,
                      min_ratio=args.min_ratio)
    n = write_jsonl(pairs, Format(args.format), args.out)
    eff = sum(p.kind.value == "efficiency" for p in pairs)
    print(f"{n} DPO pairs ({n - eff} correctness, {eff} efficiency) -> {args.out}", file=sys.stderr)
    return 0


def _table(report: EvalReport) -> None:
    from rich.console import Console
    from rich.table import Table

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    ks = sorted(report.pass_at)
    table = Table(title="evaluation")
    for col in ["task", "samples", "correct", *[f"pass@{k}" for k in ks], "DPS_norm", "Beyond"]:
        table.add_column(col)
    for t in report.tasks:
        table.add_row(t.problem_id, str(t.samples), str(t.correct), *[fmt(t.pass_at.get(k)) for k in ks],
                      fmt(t.dps_norm), fmt(t.beyond))
    table.add_row("overall", "", "", *[fmt(report.pass_at[k]) for k in ks], fmt(report.dps_norm), fmt(report.beyond))
    Console(stderr=True).print(table)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    refs: dict[str, list[int]] = {}
    if args.references:
        refs = reference_counts(read_pool(args.references))
    if args.reference_counts:
        refs.update({str(k): [int(x) for x in v] for k, v in json.loads(Path(args.reference_counts).read_text()).items()})
    report = evaluate(read_pool(args.pool), refs, ks=sorted(set(args.k)), min_correct=args.min_correct)
    _table(report)
    if args.out:
        Path(args.out).write_text(report.model_dump_json(indent=2), encoding="utf-8")
    else:
        print(report.model_dump_json(indent=2))
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    formats = [f.value for f in Format]
    pool = sub.add_parser("pool", help="score a sample pool (many responses per problem) into one row per response; resumable")
    source = pool.add_mutually_exclusive_group(required=True)
    source.add_argument("--problems", type=Path, help="problems (.json or .jsonl)")
    source.add_argument("--dataset", choices=["mbppplus", "evalperf", "leetcode"], help="a data set from shared/data")
    pool.add_argument("--responses", type=Path, help="JSONL: {problem_id, responses: [...]} per line")
    pool.add_argument("--evalperf-solutions", action="store_true", help="score EvalPerf's labelled solutions (references)")
    pool.add_argument("--out", type=Path, required=True, help="pool JSONL; an existing one is resumed")
    pool.add_argument("--chunk", type=int, default=4, help="problems scored (and written) together")
    pool.add_argument("--round", type=int, default=None, help="round rewards to k decimals")
    pool.add_argument("--meter", choices=["auto", "perf", "qemu", "callgrind"], default=None)
    pool.set_defaults(func=cmd_pool)
    sft = sub.add_parser("sft", help="SFT set: per problem the fastest correct AST-distinct responses")
    sft.add_argument("--per-problem", type=int, default=2)
    dpo = sub.add_parser("dpo", help="DPO set: correctness and efficiency pairs in a given proportion")
    dpo.add_argument("--proportion", type=float, default=0.1, help="share of efficiency pairs")
    dpo.add_argument("--min-ratio", type=float, default=1.25, help="N(slower) / N(faster) at least this")
    for p, func in ((sft, cmd_sft), (dpo, cmd_dpo)):
        p.add_argument("--pool", type=Path, required=True, help="a scored pool (reward-service pool)")
        p.add_argument("--out", type=Path, required=True)
        p.add_argument("--format", choices=formats, default="trl")
        p.add_argument("--cap", type=int, default=None, help="at most this many records")
        p.add_argument("--seed", type=int, default=0)
        p.set_defaults(func=func)
    ev = sub.add_parser("eval", help="pass@k, DPS_norm and Beyond of a scored pool")
    ev.add_argument("--pool", type=Path, required=True, help="the model's scored samples")
    ev.add_argument("--references", type=Path, help="a scored pool of reference solutions")
    ev.add_argument("--reference-counts", type=Path, help="JSON {task: [instruction counts]}")
    ev.add_argument("--k", type=int, action="append", default=[1], help="pass@k (repeatable)")
    ev.add_argument("--min-correct", type=int, default=1, help="correct samples a task needs for DPS_norm")
    ev.add_argument("--out", type=Path, help="report JSON (default: stdout)")
    ev.set_defaults(func=cmd_eval)
