"""Groups assembled across requests: a paper-shaped step sent one member per request.

64 groups x 16 members, every member its own ``POST /v1/groups/members``, 32 concurrent
callers taking members in order (group 0's 16, then group 1's...), against the embedded
service (in-process queue, workers and board) and against Redis with 2 workers. Candidates
are cheap (a tiny problem, correctness only), so the figures are the service's:

* ``added_latency_ms`` p50/p99 over groups: from the moment the group's last member is sent
  to the moment the last reply of that group arrives: what the rendezvous adds once a group
  is complete (join, completion notice, re-read, assembly, reply).
* ``api_ms_per_member``: step wall / members, in the ``warm`` pass (every code already
  measured, so no sandbox work at all): the API's own cost per member (HTTP, planning,
  cache lookups, the join, waiting on notices, assembly), amortised over 32 callers on this
  machine's cores (shared with the client and Redis). Target: <= 5 ms.
* ``api_cpu_ms_per_member``: CPU time (user + system, from /proc) the API process spent
  per member during the pass: the same cost, independent of how loaded the machine is
  (wall figures on a shared machine are not).
* the ``cold`` pass (distinct code per member, measured by the workers) for context.

    python bench/rendezvous_step.py [--groups 64] [--size 16] [--callers 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service import problems as p  # noqa: E402
from tests.service.conftest import AUTH, TOKEN, RedisServer, free_port  # noqa: E402

ANSWERS = [
    "def sumto(n):\n    return n * (n + 1) // 2\n",
    "def sumto(n):\n    return sum(range(n + 1))\n",
    "def sumto(n):\n    return n * n\n",
]


def responses(groups: int, size: int, salt: str, distinct: bool) -> list[list[str]]:
    out = []
    for g in range(groups):
        row = []
        for i in range(size):
            tag = f"{salt}-{g}-{i}" if distinct else f"{salt}-{i % 4}"
            row.append(f"```python\n_salt = '{tag}'\n{ANSWERS[i % len(ANSWERS)]}```\n")
        out.append(row)
    return out


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "reward_service.service", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def service(kind: str, work: Path) -> Iterator[tuple[str, int]]:
    base = work / kind
    base.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REWARD_API__TOKENS": json.dumps([TOKEN]),
           "REWARD_DATA_DIR": str(work / "data"), "REWARD_WORKER__HEARTBEAT_S": "1"}  # fmt: skip
    redis_server = None
    procs = []
    if kind == "redis":
        redis_server = RedisServer(base)
        redis_server.start()
        redis_server.client().config_set("appendfsync", "everysec")  # as docker-compose.yml
        env["REWARD_REDIS_URL"] = redis_server.url
    else:
        env["REWARD_SANDBOX__CONCURRENCY"] = "2"
    port = free_port()
    procs.append(start(["serve", "--port", str(port)], env, base / "api.log"))
    if kind == "redis":
        procs += [start(["worker"], env, base / f"worker{i}.log") for i in range(2)]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=1).json().get("ready"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        httpx.put(url + "/v1/problems/b/sumto", json=p.sumto("b/sumto"), headers=AUTH).raise_for_status()
        yield url, procs[0].pid
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        if redis_server is not None:
            redis_server.stop()


async def step(url: str, table: list[list[str]], callers: int, tag: str, api_pid: int) -> dict[str, Any]:
    size = len(table[0])
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for g in range(len(table)):
        for i in range(size):
            queue.put_nowait((g, i))
    sent: dict[int, list[float]] = {g: [] for g in range(len(table))}
    done: dict[int, list[float]] = {g: [] for g in range(len(table))}
    partial = 0
    limits = httpx.Limits(max_connections=callers, max_keepalive_connections=callers)
    async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=600, limits=limits) as client:

        async def caller() -> None:
            nonlocal partial
            while not queue.empty():
                g, i = queue.get_nowait()
                body = {"group_key": f"{tag}/{g}", "size": size, "problem_id": "b/sumto",
                        "members": [{"index": i, "response": table[g][i]}], "options": {"measure": False}}  # fmt: skip
                sent[g].append(time.perf_counter())
                reply = await client.post("/v1/groups/members", json=body)
                done[g].append(time.perf_counter())
                reply.raise_for_status()
                partial += bool(reply.json()["partial"])

        started, cpu_before = time.perf_counter(), cpu_s(api_pid)
        await asyncio.gather(*(caller() for _ in range(callers)))
        wall, cpu = time.perf_counter() - started, cpu_s(api_pid) - cpu_before
    added = sorted(1000 * (max(done[g]) - max(sent[g])) for g in sent)
    members = len(table) * size
    return {
        "members": members, "wall_s": round(wall, 2), "members_per_s": round(members / wall, 1),
        "api_ms_per_member": round(1000 * wall / members, 2), "partial_replies": partial,
        "api_cpu_ms_per_member": round(1000 * cpu / members, 2),
        "added_latency_ms_p50": round(statistics.median(added), 1),
        "added_latency_ms_p99": round(added[min(len(added) - 1, int(0.99 * len(added)))], 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=64)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--kinds", default="embedded,redis")
    args = parser.parse_args()
    results: dict[str, Any] = {"load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            with service(kind, Path(tmp)) as (url, api_pid):
                salt = uuid.uuid4().hex[:8]
                cold_table = responses(args.groups, args.size, salt, distinct=True)
                cold = asyncio.run(step(url, cold_table, args.callers, f"cold-{salt}", api_pid))
                warm = asyncio.run(step(url, cold_table, args.callers, f"warm-{salt}", api_pid))  # all cached
                results[kind] = {"cold": cold, "warm": warm}
                print(kind, json.dumps(results[kind]), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
