"""``reward-service calibrate`` and ``reward-service contrast``: size and check performance inputs.

    reward-service calibrate --problems P.jsonl [--solutions S.jsonl] [--target N] --out P2.jsonl
    reward-service calibrate --evalperf [Mbpp/3 ...] [--write]     # the bundled generators
    reward-service contrast --problems P.jsonl --solutions S.jsonl
    reward-service contrast --evalperf [Mbpp/3 ...]                # EvalPerf's clusters

Solutions files: see :mod:`reward_service.contrast` (EvalPerf's clusters format, or one
``{"task_id", "solution", "rank"}`` per line; higher rank = faster).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidProblem
from .problem import Problem, dump_problems, load_problems
from .settings import Settings

if TYPE_CHECKING:  # the commands import the sandbox when they run; building the parser does not
    from .contrast import Labelled
    from .datasets.calibrate import Calibration
    from .scoring import Scorer

__all__ = ["add_perf_commands", "cmd_calibrate", "cmd_contrast"]


def _inputs(args: argparse.Namespace) -> tuple[list[Problem], dict[str, list[Labelled]]]:
    from .contrast import load_labelled
    from .datasets.evalperf import EVALPERF_FILE, evalperf_problems
    from .datasets.paths import data_file

    if args.evalperf is not None:
        problems = evalperf_problems()
        labelled = load_labelled(args.solutions or data_file(EVALPERF_FILE))
        if args.evalperf:
            problems = [p for p in problems if p.id in set(args.evalperf)]
    elif args.problems:
        problems = load_problems(args.problems)
        labelled = load_labelled(args.solutions) if args.solutions else {}
    else:
        raise InvalidProblem("give --problems FILE or --evalperf [TASK ...]")
    if args.ids:
        problems = [p for p in problems if p.id in set(args.ids)]
    return problems, labelled


def _scorer(settings: Settings, args: argparse.Namespace) -> Scorer:
    from .scoring import Scorer

    if args.meter:
        settings = settings.model_copy(update={"meter": settings.meter.model_copy(update={"backend": args.meter})})
    return Scorer(settings)


def _format(c: Calibration) -> str:
    sols = "  ".join(f"{s.label}: " + (f"N={s.instructions:,} ({s.ratio:.1f}x)" if s.instructions and s.ratio
                                       else s.status) for s in c.solutions)
    contrast = f"  contrast {c.contrast:.1f}x" if c.contrast else ""
    if c.target_of != "reference":
        contrast += f"  (target on {c.target_of}'s N)"
    return (f"{c.problem.id:12} scale {c.scale:>9,}  stop {c.stop:9}  reference N={c.reference_instructions:>13,} "
            f"cpu {c.reference_cpu_s:6.2f}s wall {c.reference_wall_s:6.2f}s  {sols}{contrast}")


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from .datasets.calibrate import DEFAULT_SLOW_TARGET, DEFAULT_TARGET, calibrate
    from .datasets.evalperf import perf_solutions
    from .datasets.generators import write_scale

    target = args.target if args.target is not None else DEFAULT_TARGET
    # with a slower solution, size by its count, unless the reference's target was asked for
    slow_target = args.slow_target if args.slow_target is not None else (
        None if args.target is not None else DEFAULT_SLOW_TARGET)
    problems, labelled = _inputs(args)
    chosen: list[Problem] = []
    failed = 0
    with _scorer(settings, args) as scorer:
        for problem in problems:
            if not (problem.performance and problem.performance.generator):
                chosen.append(problem)
                continue
            if args.evalperf is not None:  # the pair the generators were written for
                fast, slow = perf_solutions(problem.id)
                slower, faster = [slow], [fast]
            else:  # the lowest-ranked solution that should pass, and a top-ranked one
                ranked = sorted(labelled.get(problem.id, []), key=lambda s: s.rank)
                passing = [s for s in ranked if s.rank >= 0] or ranked
                slower = [passing[0].source] if len(passing) > 1 else []
                faster = [passing[-1].source] if passing else []
            try:
                result = calibrate(problem, scorer.sandbox, target=target, start=args.start,
                                   bisect_steps=args.bisect, max_cpu_s=args.max_cpu, slow_cpu_s=args.slow_cpu,
                                   slower=slower, faster=faster, slow_target=slow_target or None)
            except InvalidProblem as exc:
                print(f"{problem.id:12} error: {exc.message}", flush=True)
                failed += 1
                chosen.append(problem)
                continue
            print(_format(result), flush=True)
            chosen.append(result.problem)
            if args.write and args.evalperf is not None:
                write_scale(problem.id, result.scale)
    if args.out:
        dump_problems(chosen, args.out)
        print(f"calibrated problems written to {args.out}", file=sys.stderr)
    return 1 if failed else 0


def cmd_contrast(args: argparse.Namespace, settings: Settings) -> int:
    from .contrast import contrast_report, format_summary, format_task, summarize

    problems, labelled = _inputs(args)
    if not labelled:
        raise InvalidProblem("contrast needs labelled solutions (--solutions FILE)")
    with _scorer(settings, args) as scorer:
        results = contrast_report(scorer, problems, labelled, gap=args.gap, concurrency=args.concurrency,
                                  each=lambda r: print(format_task(r), flush=True))
    print(format_summary(summarize(results)))
    return 0


def add_perf_commands(sub: Any) -> None:
    """Add the two subcommands to the CLI's subparsers."""
    for name, func, text in (
        ("calibrate", cmd_calibrate, "choose generator scales by the reference's instruction count"),
        ("contrast", cmd_contrast, "score labelled solutions: contrast, ordering agreement, failures"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--problems", type=Path, help="problems (.json or .jsonl)")
        p.add_argument("--solutions", type=Path, help="labelled solutions (.jsonl[.gz]); see reward_service.contrast")
        p.add_argument("--evalperf", nargs="*", default=None, metavar="TASK",
                       help="the bundled EvalPerf tasks (all, or those named) with their clusters")
        p.add_argument("--ids", nargs="*", help="only these problem ids")
        p.add_argument("--meter", choices=["auto", "perf", "qemu", "callgrind"], default=None)
        p.set_defaults(func=func)
        if name == "calibrate":
            p.add_argument("--target", type=int, default=None,
                           help="reference instructions to reach (default: datasets.calibrate.DEFAULT_TARGET)")
            p.add_argument("--slow-target", type=int, default=None,
                           help="with a slower solution: its instructions to reach, instead of the reference's "
                                "(default: datasets.calibrate.DEFAULT_SLOW_TARGET unless --target is given; 0: off)")
            p.add_argument("--start", type=int, default=1, help="first scale tried")
            p.add_argument("--bisect", type=int, default=3, help="bisection steps after the last doubling")
            p.add_argument("--max-cpu", type=float, default=None, help="reference's metered CPU bound, s")
            p.add_argument("--slow-cpu", type=float, default=None, help="slower solution's metered CPU bound, s")
            p.add_argument("--out", type=Path, help="write the problems with their chosen scales (JSONL)")
            p.add_argument("--write", action="store_true", help="with --evalperf: store SCALE in the generator files")
        else:
            p.add_argument("--gap", type=int, default=2, help="rank distance of the pairs whose order is checked")
            p.add_argument("--concurrency", type=int, default=1)
