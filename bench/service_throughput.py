"""Service throughput: API + queue overhead per candidate, candidates/s with 1 and 2 workers
and the scaling ratio, and p50/p99 latency of a 16-response MBPP+ group.

Starts its own redis-server (AOF on; ``--appendfsync`` as docker-compose.yml sets it), API
and worker processes on loopback. Every candidate is a distinct program (a salt statement
changes its AST), so nothing is served from the result cache.

Overhead is measured against the core's own time: each worker reports the scoring time of
every task (``Measurement.seconds``, summed on its /metrics), and

    overhead per candidate = (end-to-end wall x workers - sum of core seconds) / candidates

i.e. worker slot-time not spent scoring: HTTP, planning, Redis round trips, idle gaps,
waiting for the last result and assembling. With more than one worker it also counts the
tail of a single batch (workers idle while the last tasks run elsewhere): at most one
task per extra worker, reported as ``tail_bound_ms``, which is batch granularity, not a
cost per candidate. Three figures:

* ``trivial``: correctness-only (``measure=false``) runs of a tiny problem, a few ms of core
  time each, 1 worker: the pure API + queue cost per candidate (median of ``--reps`` runs).
* ``mbpp``: metered MBPP+ groups of 16 with 1 and 2 workers, plus p50/p99 group latency.
* ``scaling``: metered EvalPerf problems (fast and slow solutions, 0.1-5 s of core time
  each under callgrind), 1 and 2 workers: candidates/s and their ratio, where core time
  dominates so the ratio reflects worker parallelism. ``core_inflation`` is how much
  slower each candidate's scoring got with two workers on the same cores; the ratio is
  bounded by ``2 / core_inflation`` (the ``ceiling`` reported) on a 2-core machine that
  also runs the API, Redis and this client (and, here, other people's jobs: core time
  per candidate drifts between runs). ``ratio_at_equal_core_time`` = 2 x (utilisation
  with 2 workers) / (utilisation with 1), utilisation being core seconds / (wall x
  workers): the ratio the service would reach if scoring took as long with 2 workers as
  with 1, i.e. the part of scaling that the API and queue control.

    python bench/service_throughput.py [--problems 4] [--latency-groups 6] [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service.conftest import AUTH, TOKEN, RedisServer, free_port  # noqa: E402


def salted(code: str, salt: str) -> str:
    """A fenced response whose code differs from every other salt's (no cache hits)."""
    return f"```python\n_salt = '{salt}'\n{code.rstrip()}\n```\n"


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "reward_service.service", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip


def distinct_ports(n: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


@dataclass
class Cluster:
    api: httpx.Client
    metric_ports: list[int]
    workers: int

    def core_seconds(self) -> float:
        """Scoring time the workers have reported so far (sum of Measurement.seconds)."""
        total = 0.0
        for port in self.metric_ports:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            match = re.search(r"^reward_worker_sandbox_seconds_sum ([0-9.e+]+)$", text, re.M)
            total += float(match.group(1)) if match else 0.0
        return total

    def score(self, groups: list[dict[str, Any]], options: dict[str, Any] | None = None) -> dict[str, float]:
        """One synchronous request: wall, core seconds and overhead per candidate."""
        body = {"groups": groups, "options": options or {}}
        core_before = self.core_seconds()
        started = time.perf_counter()
        reply = self.api.post("/v1/rewards", json=body)
        wall = time.perf_counter() - started
        assert reply.status_code == 200, reply.text
        verdicts = {r["verdict"] for g in reply.json()["groups"] for r in g["results"]}
        assert verdicts == {"passed"}, verdicts  # every candidate really ran
        core = self.core_seconds() - core_before
        n = sum(len(g["responses"]) for g in groups)
        return {"candidates": n, "wall_s": wall, "candidates_per_s": n / wall, "core_s_per_candidate": core / n,
                "overhead_ms_per_candidate": 1000 * (wall * self.workers - core) / n,
                "utilisation": core / (wall * self.workers),
                "tail_bound_ms": 1000 * core / n * (self.workers - 1) / n}  # fmt: skip


@contextmanager
def cluster(workers: int, work: Path, name: str, appendfsync: str) -> Iterator[Cluster]:
    base = work / name
    base.mkdir()
    server = RedisServer(base)
    server.start()
    server.client().config_set("appendfsync", appendfsync)
    port, *metric_ports = distinct_ports(workers + 1)
    env = {**os.environ, "REWARD_REDIS_URL": server.url, "REWARD_API__TOKENS": json.dumps([TOKEN]),
           "REWARD_DATA_DIR": str(work / "data"), "REWARD_WORKER__HEARTBEAT_S": "1"}  # fmt: skip
    procs = [start(["serve", "--port", str(port)], env, base / "api.log")]
    try:
        for i in range(workers):
            wenv = {**env, "REWARD_WORKER__METRICS_PORT": str(metric_ports[i])}
            procs.append(start(["worker"], wenv, base / f"worker{i}.log"))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=1).json().get("ready"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        with httpx.Client(base_url=url, headers=AUTH, timeout=900) as api:
            yield Cluster(api, metric_ports, workers)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        server.stop()


def register(c: Cluster, problems: list[Any], code: dict[str, str]) -> None:
    """Register the problems and score one candidate each (expected outputs get computed)."""
    c.api.post("/v1/problems", json={"problems": [p.model_dump(mode="json") for p in problems]})
    c.score([{"problem_id": p.id, "responses": [salted(code[p.id], "warm")]} for p in problems])


def trivial(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from reward_service.problem import Problem
    from tests.service.problems import sumto

    problem = Problem.model_validate(sumto("bench/trivial"))
    code = problem.reference or ""
    runs = []
    with cluster(1, work, "trivial", args.appendfsync) as c:
        register(c, [problem], {problem.id: code})
        for rep in range(args.reps):
            groups = [{"problem_id": problem.id, "responses": [salted(code, f"{rep}-{g}-{i}") for i in range(16)]}
                      for g in range(args.trivial // 16)]  # fmt: skip
            runs.append(c.score(groups, {"measure": False}))
    best = sorted(runs, key=lambda r: r["overhead_ms_per_candidate"])[len(runs) // 2]  # the median run
    return {"section": "trivial", "workers": 1, "reps": len(runs), **best,
            "overhead_ms_all_reps": [r["overhead_ms_per_candidate"] for r in runs]}  # fmt: skip


def mbpp(work: Path, workers: int, problems: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    code = {p.id: p.reference or "" for p in problems}
    with cluster(workers, work, f"mbpp{workers}", args.appendfsync) as c:
        register(c, problems, code)
        groups = [{"problem_id": p.id, "responses": [salted(code[p.id], f"t{workers}-{i}") for i in range(16)]}
                  for p in problems]  # fmt: skip
        result = c.score(groups)
        latencies = []
        for i in range(args.latency_groups):
            p = problems[i % len(problems)]
            group = {"problem_id": p.id, "responses": [salted(code[p.id], f"lat{workers}-{i}-{j}") for j in range(16)]}
            t0 = time.perf_counter()
            c.score([group])
            latencies.append(time.perf_counter() - t0)
    latencies.sort()
    return {"section": "mbpp", "workers": workers, **result, "p50_group16_s": statistics.median(latencies),
            "p99_group16_s": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]}  # fmt: skip


def scaling(work: Path, workers: int, problems: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    from reward_service.datasets import perf_solutions

    solutions = {p.id: perf_solutions(p.id) for p in problems}  # (fast, slow)
    with cluster(workers, work, f"evalperf{workers}", args.appendfsync) as c:
        register(c, problems, {pid: fast for pid, (fast, _) in solutions.items()})
        # Slow solutions first (the queue is FIFO): the run ends on short tasks, not on
        # one long task with the other worker idle.
        groups = [{"problem_id": p.id, "responses": [salted(solutions[p.id][1], f"s{workers}-{k}") for k in range(args.copies)]
                   + [salted(solutions[p.id][0], f"f{workers}-{k}") for k in range(args.copies)]} for p in problems]  # fmt: skip
        return {"section": "scaling", "workers": workers, **c.score(groups)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=4, help="MBPP+ problems (one group of 16 each)")
    parser.add_argument("--latency-groups", type=int, default=6)
    parser.add_argument("--trivial", type=int, default=320, help="trivial candidates per run")
    parser.add_argument("--reps", type=int, default=3, help="runs of the trivial batch (median reported)")
    parser.add_argument("--evalperf-problems", type=int, default=14)
    parser.add_argument("--copies", type=int, default=1, help="fast and slow copies per EvalPerf problem")
    parser.add_argument("--appendfsync", choices=["always", "everysec"], default="everysec")
    parser.add_argument("--skip", nargs="*", default=[], choices=["trivial", "mbpp", "scaling"])
    args = parser.parse_args()
    from reward_service.datasets import evalperf_problems, load_mbppplus

    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        from reward_service.scoring import Scorer
        from reward_service.settings import Settings

        with Scorer(Settings(data_dir=work / "data")):
            pass  # build the native meter once

        def emit(row: dict[str, Any]) -> None:
            out.append(row)
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}), flush=True)

        if "trivial" not in args.skip:
            emit(trivial(work, args))
        if "mbpp" not in args.skip:
            problems = [p for p in load_mbppplus() if p.reference][: args.problems]
            for n in (1, 2):
                emit(mbpp(work, n, problems, args))
        if "scaling" not in args.skip:
            perf = evalperf_problems()[: args.evalperf_problems]
            one, two = (scaling(work, n, perf, args) for n in (1, 2))
            emit(one)
            emit(two)
            inflation = two["core_s_per_candidate"] / one["core_s_per_candidate"]
            emit({"section": "scaling_summary", "ratio_2_over_1": two["candidates_per_s"] / one["candidates_per_s"],
                  "target": 1.8, "core_inflation": inflation, "ceiling": 2 / inflation,
                  "ratio_at_equal_core_time": 2 * two["utilisation"] / one["utilisation"], "cores": os.cpu_count()})  # fmt: skip
    print(json.dumps({"appendfsync": args.appendfsync, "overhead_target_ms": 5.0}))


if __name__ == "__main__":
    main()
