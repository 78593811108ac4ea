"""Command line: ``reward-service score | serve | worker | demo | calibrate | contrast | pool | sft | dpo | eval``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import RewardServiceError
from .perf_commands import add_perf_commands
from .problem import Problem, load_problems
from .results import GroupResult, ScoreOptions
from .settings import Settings, get_settings
from .verdict import Verdict

__all__ = ["main", "read_groups"]


def read_groups(path: str | Path) -> list[dict[str, Any]]:
    """Response groups from JSONL: one ``{"problem_id": ..., "responses": [...]}`` per line."""
    groups = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise RewardServiceError(f"{path}:{n}: not JSON: {exc}") from exc
        if not isinstance(item, dict) or not isinstance(item.get("problem_id"), str) or not isinstance(
            item.get("responses"), list
        ):
            raise RewardServiceError(f"{path}:{n}: expected {{'problem_id': str, 'responses': [str, ...]}}")
        groups.append(item)
    return groups


def _sample_paths() -> tuple[Path, Path]:
    base = resources.files("reward_service") / "data"
    return Path(str(base / "sample_problems.jsonl")), Path(str(base / "sample_responses.jsonl"))


def _summary_table(results: list[GroupResult], seconds: float, evaluations: int | None) -> None:
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


def cmd_score(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from rich.progress import Progress

    from .scoring import Scorer

    problems_path, responses_path = args.problems, args.responses
    if args.sample:
        problems_path, responses_path = _sample_paths()
    if problems_path is None or responses_path is None:
        print("error: give --problems and --responses, or --sample", file=sys.stderr)
        return 2
    problems: dict[str, Problem] = {p.id: p for p in load_problems(problems_path)}
    groups = read_groups(responses_path)
    missing = sorted({g["problem_id"] for g in groups} - problems.keys())
    if missing:
        print(f"error: unknown problem ids: {', '.join(missing[:10])}", file=sys.stderr)
        return 2
    options = ScoreOptions(round_digits=args.round, aggregate=args.aggregate, measure=not args.no_measure)
    if args.meter:
        settings = settings.model_copy(update={"meter": settings.meter.model_copy(update={"backend": args.meter})})
    started = time.monotonic()
    with Scorer(settings) as scorer, Progress(transient=True) as progress:
        task = progress.add_task("scoring", total=None)
        results = scorer.score_groups(
            [(problems[g["problem_id"]], g["responses"]) for g in groups], options,
            progress=lambda n: progress.advance(task, n),
        )
        evaluations = scorer.evaluations
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    try:
        for g in results:
            out.write(g.model_dump_json() + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    _summary_table(results, time.monotonic() - started, evaluations)
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
                {"problem": problems[g["problem_id"]].model_dump(mode="json"), "responses": g["responses"]}
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
    score.add_argument("--out", type=Path, help="results JSONL (default: stdout)")
    score.add_argument("--sample", action="store_true", help="score the bundled sample batch")
    score.add_argument("--round", type=int, default=None, help="round rewards to k decimals")
    score.add_argument("--aggregate", choices=["sum", "max", "mean"], default="sum")
    score.add_argument("--meter", choices=["auto", "perf", "qemu", "callgrind"], default=None)
    score.add_argument("--no-measure", action="store_true", help="correctness only")
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
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, get_settings()))
    except RewardServiceError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
