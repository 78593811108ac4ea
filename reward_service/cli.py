"""Command line: ``reward-service score | serve | worker | demo | calibrate | contrast | pool | sft | dpo | eval``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import RewardServiceError, describe
from .perf_commands import add_perf_commands
from .problem import Problem, load_problems
from .results import GroupResult, ScoreOptions
from .settings import Settings, get_settings
from .verdict import Verdict

__all__ = ["main"]


def _sample_paths() -> tuple[Path, Path]:
    base = resources.files("reward_service") / "data"
    return Path(str(base / "sample_problems.jsonl")), Path(str(base / "sample_responses.jsonl"))


def _summary_table(results: Sequence[GroupResult], seconds: float, evaluations: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="rewards")
    table.add_column("problem")
    table.add_column("rewards (in order)")
    table.add_column("verdicts")
    for g in results:
        rewards = " ".join("null" if r.reward is None else f"{r.reward:.2f}" for r in g.results)
        verdicts = ", ".join(f"{v.value}×{n}" for v, n in g.summary.verdicts.items())
        table.add_row(g.problem_id, rewards, verdicts)
    console = Console(stderr=True)
    console.print(table)
    tally: dict[Verdict, int] = {}
    for g in results:
        for r in g.results:
            tally[r.verdict] = tally.get(r.verdict, 0) + 1
    total = sum(tally.values())
    ran = f"{evaluations} unique programs run, " if evaluations is not None else ""
    console.print(
        f"{total} responses, {ran}{seconds:.1f} s; "
        + ", ".join(f"{v.value}: {n}" for v, n in sorted(tally.items(), key=lambda kv: kv[0].value))
    )


def _settings_from_flags(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings, with what the command line says on top of the environment."""
    update: dict[str, Any] = {}
    if getattr(args, "data_dir", None) is not None:
        update["data_dir"] = args.data_dir
    sandbox: dict[str, Any] = {}
    if getattr(args, "concurrency", None) is not None:
        sandbox["concurrency"] = args.concurrency
    if getattr(args, "sandbox", None):
        sandbox["backend"] = args.sandbox
    if sandbox:
        update["sandbox"] = settings.sandbox.model_copy(update=sandbox)
    if getattr(args, "meter", None):
        update["meter"] = settings.meter.model_copy(update={"backend": args.meter})
    return settings.model_validate({**settings.model_dump(), **{k: v.model_dump() if hasattr(v, "model_dump") else v
                                                                 for k, v in update.items()}}) if update else settings


def _warn(message: str) -> None:
    print(f"warning: {message}" if not message.startswith("error") else message, file=sys.stderr, flush=True)


def cmd_score(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from .score_files import ProgressReport, ScoreRun, pending, read_done, read_groups
    from .scoring import Scorer

    problems_path, responses_path = args.problems, args.responses
    if args.sample:
        problems_path, responses_path = _sample_paths()
    if problems_path is None or responses_path is None:
        print("error: give --problems and --responses, or --sample", file=sys.stderr)
        return 2
    problems: dict[str, Problem] = {p.id: p for p in load_problems(problems_path)}
    groups = read_groups(responses_path, warn=_warn)
    missing = sorted({g.problem_id for g in groups} - problems.keys())
    if missing:
        print(f"error: unknown problem ids: {', '.join(missing[:10])}", file=sys.stderr)
        return 2
    options = ScoreOptions(round_digits=args.round, aggregate=args.aggregate, measure=not args.no_measure)
    settings = _settings_from_flags(args, settings)
    done: set[str] = set()
    if args.out and args.out.exists() and not args.overwrite:
        done, keep = read_done(args.out)
        with open(args.out, "r+b") as fh:  # drop a line cut short by an interruption
            fh.truncate(keep)
    todo = pending(groups, problems, done)
    run = ScoreRun(resumed=len(groups) - len(todo))
    if run.resumed:
        print(f"resuming {args.out}: {run.resumed} of {len(groups)} groups already scored", file=sys.stderr)
    started = time.monotonic()
    out = open(args.out, "a" if done else "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    evaluations = 0
    try:
        if todo:
            with Scorer(settings) as scorer, ProgressReport(total=len(todo)) as progress:
                try:
                    for group in scorer.stream(todo, options, progress=progress.advance):
                        out.write(group.model_dump_json() + "\n")
                        out.flush()
                        run.written.append(group)
                        run.note_invalid(group, _warn)
                finally:
                    evaluations = scorer.evaluations
    except KeyboardInterrupt:
        where = f"; rerun the same command to resume from {args.out}" if args.out else ""
        print(f"interrupted: {len(run.written)} groups written{where}", file=sys.stderr)
        return 130
    finally:
        if out is not sys.stdout:
            out.close()
    _summary_table(run.written, time.monotonic() - started, evaluations)
    if run.invalid:
        print(f"error [invalid_problem]: {len(run.invalid)} invalid problems (their groups carry `error`): "
              f"{', '.join(sorted(run.invalid)[:10])}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .service.cli_commands import serve

    serve(args.host, args.port, settings)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from .service.cli_commands import worker

    return worker(settings, args.check)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Start the service on the embedded defaults, POST the sample batch, print the rewards."""
    import os
    import subprocess
    import time

    import httpx

    problems_path, responses_path = _sample_paths()
    problems = {p.id: p for p in load_problems(problems_path)}
    from .score_files import read_groups

    groups = read_groups(responses_path)
    port = args.port or _free_port()
    env = dict(os.environ, REWARD_ENVIRONMENT="development")
    env.pop("REWARD_REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "reward_service.cli", "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                print("error: the service exited during start-up", file=sys.stderr)
                return 1
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                print("error: the service did not become ready in 120 s", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print(f"service ready at {base}; POST /v1/rewards with {len(groups)} groups", file=sys.stderr)
        body = {
            "groups": [
                {"problem": problems[g.problem_id].model_dump(mode="json"), "responses": g.responses}
                for g in groups
            ]
        }
        started = time.monotonic()
        reply = httpx.post(f"{base}/v1/rewards", json=body, timeout=900)
        if reply.status_code != 200:
            print(f"error: HTTP {reply.status_code}: {reply.text[:500]}", file=sys.stderr)
            return 1
        results = [GroupResult.model_validate({k: v for k, v in g.items() if k != "group_id"})
                   for g in reply.json()["groups"]]
        with open(args.out, "w", encoding="utf-8") as fh:
            for g in results:
                fh.write(g.model_dump_json() + "\n")
        _summary_table(results, time.monotonic() - started, None)
        print(f"results written to {args.out}", file=sys.stderr)
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reward-service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="score response groups from files, no servers needed")
    score.add_argument("--problems", type=Path, help="problems (.json or .jsonl)")
    score.add_argument("--responses", type=Path, help="JSONL: {problem_id, responses: [...]} per line")
    score.add_argument("--out", type=Path, help="results JSONL (default: stdout); an existing one is resumed")
    score.add_argument("--overwrite", action="store_true", help="start --out afresh instead of resuming it")
    score.add_argument("--sample", action="store_true", help="score the bundled sample batch")
    score.add_argument("--round", type=int, default=None, help="round rewards to k decimals")
    score.add_argument("--aggregate", choices=["sum", "max", "mean"], default="sum")
    score.add_argument("--meter", choices=["auto", "perf", "qemu", "callgrind"], default=None,
                       help="REWARD_METER__BACKEND")
    score.add_argument("--no-measure", action="store_true", help="correctness only")
    score.add_argument("--data-dir", type=Path, help="caches and the built helper (REWARD_DATA_DIR)")
    score.add_argument("--concurrency", type=int, help="parallel sandbox runs (REWARD_SANDBOX__CONCURRENCY)")
    score.add_argument("--sandbox", choices=["embedded", "docker"], help="REWARD_SANDBOX__BACKEND")
    score.set_defaults(func=cmd_score)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="start the service (embedded), POST the sample batch, print rewards")
    demo.add_argument("--port", type=int, default=0)
    demo.add_argument("--out", type=Path, default=Path("results.jsonl"))
    demo.set_defaults(func=cmd_demo)
    worker = sub.add_parser("worker", help="run a worker on the Redis queue")
    worker.add_argument("--check", action="store_true", help="exit 0 if a live worker heartbeat exists")
    worker.set_defaults(func=cmd_worker)
    add_perf_commands(sub)  # calibrate, contrast
    from .training.commands import add_parsers

    add_parsers(sub)  # stage 1: pool, sft, dpo, eval
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command. What it can describe (bad input, bad settings, a missing file) ends
    with one ``error [code]: message`` line and exit status 2, never a traceback."""
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, get_settings()))
    except RewardServiceError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"error [invalid_input]: {exc.title}: {describe(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error [io_error]: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
