"""Service throughput: candidates/s through the API with 1 and 2 workers, p50/p99 latency
of a 16-response MBPP+ group, and API + queue overhead per candidate.

Starts its own redis-server, API and worker processes on loopback. Every candidate is a
distinct program (a salt statement changes its AST), so nothing is served from the cache.

    python bench/service_throughput.py [--problems 6] [--latency-groups 10]
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
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service.conftest import AUTH, TOKEN, RedisServer, free_port  # noqa: E402


def responses_for(problem: Any, count: int, salt: str) -> list[str]:
    code = problem.reference or ""
    return [f"```python\n_salt = '{salt}-{i}'\n{code}```\n" for i in range(count)]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "reward_service.service", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip


def distinct_ports(n: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


def sandbox_seconds(ports: list[int]) -> float:
    total = 0.0
    for port in ports:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        match = re.search(r"^reward_worker_sandbox_seconds_sum ([0-9.e+]+)$", text, re.M)
        total += float(match.group(1)) if match else 0.0
    return total


def run(workers: int, problems: list[Any], group_size: int, latency_groups: int, work: Path) -> dict[str, float]:
    server = RedisServer(work / f"redis{workers}")
    server.dir.mkdir()
    server.start()
    port, *metric_ports = distinct_ports(workers + 1)
    env = {**os.environ, "REWARD_REDIS_URL": server.url, "REWARD_API__TOKENS": json.dumps([TOKEN]),
           "REWARD_DATA_DIR": str(work / "data"), "REWARD_WORKER__HEARTBEAT_S": "1"}  # fmt: skip
    procs = [start(["serve", "--port", str(port)], env, work / f"api{workers}.log")]
    try:
        for i in range(workers):
            wenv = {**env, "REWARD_WORKER__METRICS_PORT": str(metric_ports[i])}
            procs.append(start(["worker"], wenv, work / f"worker{workers}-{i}.log"))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=1).json().get("ready"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        with httpx.Client(base_url=url, headers=AUTH, timeout=600) as api:
            api.post("/v1/problems", json={"problems": [p.model_dump(mode="json") for p in problems]})
            # Warm up: expected outputs per problem, computed once by the scorer.
            warm = [{"problem_id": p.id, "responses": responses_for(p, 1, "warm")} for p in problems]
            api.post("/v1/rewards", json={"groups": warm})
            busy_before = sandbox_seconds(metric_ports)
            groups = [{"problem_id": p.id, "responses": responses_for(p, group_size, f"t{workers}")} for p in problems]
            started = time.perf_counter()
            reply = api.post("/v1/rewards", json={"groups": groups})
            wall = time.perf_counter() - started
            assert reply.status_code == 200, reply.text
            candidates = sum(len(g["responses"]) for g in groups)
            core = sandbox_seconds(metric_ports) - busy_before
            latencies = []
            for i in range(latency_groups):
                problem = problems[i % len(problems)]
                group = {"problem_id": problem.id, "responses": responses_for(problem, 16, f"lat{workers}-{i}")}
                t0 = time.perf_counter()
                assert api.post("/v1/rewards", json={"groups": [group]}).status_code == 200
                latencies.append(time.perf_counter() - t0)
        latencies.sort()
        return {
            "workers": workers,
            "candidates": candidates,
            "wall_s": wall,
            "candidates_per_s": candidates / wall,
            "core_s_per_candidate": core / candidates,
            # Service slot-time per candidate minus the core's own scoring time.
            "overhead_ms_per_candidate": 1000 * (wall * workers - core) / candidates,
            "p50_group16_s": statistics.median(latencies),
            "p99_group16_s": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        }
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=6)
    parser.add_argument("--group-size", type=int, default=16)
    parser.add_argument("--latency-groups", type=int, default=10)
    args = parser.parse_args()
    try:
        from reward_service.datasets import load_mbppplus

        problems = [p for p in load_mbppplus() if p.reference][: args.problems]
    except Exception as exc:  # noqa: BLE001 - fall back to a tiny inline problem
        print(f"MBPP+ unavailable ({exc}); using a tiny inline problem", file=sys.stderr)
        from reward_service.problem import Problem
        from tests.service.problems import sumto

        problems = [Problem.model_validate(sumto(f"bench/{i}")) for i in range(args.problems)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        from reward_service.scoring import Scorer
        from reward_service.settings import Settings

        with Scorer(Settings(data_dir=work / "data")):
            pass  # build the native meter once
        results = [run(n, problems, args.group_size, args.latency_groups, work) for n in (1, 2)]
    for r in results:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}))
    ratio = results[1]["candidates_per_s"] / results[0]["candidates_per_s"]
    print(json.dumps({"scaling_ratio_2_over_1": round(ratio, 3), "target": 1.8, "cores": os.cpu_count()}))


if __name__ == "__main__":
    main()
