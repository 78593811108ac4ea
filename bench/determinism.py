"""Determinism across full reruns: the same programs scored three times, in fresh processes.

    python bench/determinism.py [--all-generator-tasks] [--per-task N] [--mbpp N] [--concurrency C]

Programs: every MBPP+ canonical solution (378) on its own problem, and the EvalPerf
solutions of the 14 checked generator tasks (``--all-generator-tasks``: all 89) on the
problem with its performance input. Each pass is one ``reward-service score`` process
(a fresh sandbox pool: the "service restart"); the three passes share one data directory,
as a restarted service does (so pass 1 also runs every reference, the others do not).

    A, B: the same file, one group per problem, in data-set order
    C:    shuffled groups and responses (fixed seed), EvalPerf groups split in threes

Per program it compares the verdict and the instruction count of A with B and with C and
prints every difference (program, counts, relative difference) and the totals (target 0).
Problem and response files are built in a temporary directory from ``../shared/data``.

Run time (shared 2-core machine, load average 4-7 from other jobs): ``--mbpp 150
--per-task 4 --concurrency 1`` (206 programs) took 1962 s (pass A, references included),
1099 s (B) and about 25 min (C); three MBPP+ suites (Mbpp/123, 255, 271) need over 120 CPU s
under callgrind and dominate. The full default (732 programs) is several times that.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reward_service.datasets import evalperf_problems, load_mbppplus  # noqa: E402
from reward_service.datasets.evalperf import load_evalperf  # noqa: E402
from reward_service.problem import dump_problems  # noqa: E402

CHECKED = ("Mbpp/3", "Mbpp/96", "Mbpp/166", "Mbpp/256", "Mbpp/757", "Mbpp/108", "Mbpp/88", "Mbpp/777",
           "Mbpp/632", "Mbpp/251", "Mbpp/140", "Mbpp/226", "Mbpp/11", "Mbpp/610")
PERF_PREFIX = "EvalPerf/"

Key = tuple[str, str]  # (problem id, digest of the response)


def fence(code: str) -> str:
    return f"```python\n{code}\n```"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build(work: Path, args: argparse.Namespace) -> dict[str, list[str]]:
    """Write problems.jsonl; return the responses of each problem (data-set order)."""
    mbpp = load_mbppplus(args.data)
    problems = list(mbpp[: args.mbpp] if args.mbpp is not None else mbpp)
    groups: dict[str, list[str]] = {p.id: [fence(p.reference or "")] for p in problems}
    tasks = {t.task_id: t for t in load_evalperf(args.data)}
    for problem in evalperf_problems(mbpp):
        if not args.all_generator_tasks and problem.id not in CHECKED:
            continue
        sources: list[str] = []
        for s in tasks[problem.id].solutions:
            if s.source not in sources:
                sources.append(s.source)
        if args.per_task is not None and args.per_task < len(sources):  # spread over the clusters
            sources = [sources[i * len(sources) // args.per_task] for i in range(args.per_task)]
        pid = PERF_PREFIX + problem.id
        problems.append(problem.model_copy(update={"id": pid}))
        groups[pid] = [fence(s) for s in sources]
    dump_problems(problems, work / "problems.jsonl")
    return groups


def write_groups(path: Path, groups: list[tuple[str, list[str]]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for pid, responses in groups:
            fh.write(json.dumps({"problem_id": pid, "responses": responses}) + "\n")


def shuffled(groups: dict[str, list[str]], seed: int) -> list[tuple[str, list[str]]]:
    """Another order and another grouping of the same programs."""
    rng = random.Random(seed)
    out: list[tuple[str, list[str]]] = []
    for pid, responses in groups.items():
        responses = list(responses)
        rng.shuffle(responses)
        size = 3 if pid.startswith(PERF_PREFIX) else len(responses)
        out += [(pid, responses[i:i + size]) for i in range(0, len(responses), size)]
    rng.shuffle(out)
    return out


def score(work: Path, name: str, responses: Path, data_dir: Path, args: argparse.Namespace) -> dict[Key, Any]:
    """One fresh ``reward-service score`` process; (verdict, instructions) per program."""
    out = work / f"{name}.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT), REWARD_DATA_DIR=str(data_dir),
               REWARD_SANDBOX__CONCURRENCY=str(args.concurrency))
    started = time.monotonic()
    with (work / f"{name}.log").open("w") as log:
        proc = subprocess.run([sys.executable, "-m", "reward_service.cli", "score", "--problems",
                               str(work / "problems.jsonl"), "--responses", str(responses), "--out", str(out),
                               "--overwrite", "--meter", args.meter], env=env, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode not in (0, 1):  # 1: some problem is invalid (said in the log); its groups carry `error`
        raise SystemExit(f"pass {name} failed ({proc.returncode}): see {work / (name + '.log')}")
    seconds = time.monotonic() - started
    groups = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    sent = [json.loads(line) for line in responses.read_text().splitlines() if line.strip()]
    found: dict[Key, Any] = {}
    for group, request in zip(groups, sent, strict=True):
        for result, response in zip(group["results"], request["responses"], strict=True):
            found[(request["problem_id"], digest(response))] = (result["verdict"], result.get("instructions"))
    print(f"pass {name}: {len(found)} programs in {seconds:.0f} s", flush=True)
    return found


def compare(label: str, a: dict[Key, Any], b: dict[Key, Any]) -> tuple[int, int]:
    counts = verdicts = 0
    for key in sorted(a):
        (va, na), (vb, nb) = a[key], b[key]
        if va != vb:
            verdicts += 1
            print(f"  {label} verdict  {key[0]:22s} {key[1]}  {va} -> {vb}")
        if na != nb:
            counts += 1
            rel = abs(na - nb) / max(na, nb) if na and nb else float("nan")
            print(f"  {label} count    {key[0]:22s} {key[1]}  {na} -> {nb}  ({rel:.2e})")
    print(f"{label}: {len(a)} programs, {counts} differing counts, {verdicts} differing verdicts", flush=True)
    return counts, verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all-generator-tasks", action="store_true", help="EvalPerf: all 89 generator tasks")
    parser.add_argument("--per-task", type=int, default=None,
                        help="at most N EvalPerf solutions per task, spread over its clusters")
    parser.add_argument("--mbpp", type=int, default=None, help="only the first N MBPP+ problems")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--meter", default="auto", choices=["auto", "perf", "qemu", "callgrind"])
    parser.add_argument("--seed", type=int, default=0, help="seed of pass C's order")
    parser.add_argument("--data", type=Path, default=None, help="the shared data directory (default: found)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rs-determinism-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        groups = build(work, args)
        plain = work / "responses.jsonl"
        write_groups(plain, list(groups.items()))
        write_groups(work / "responses-c.jsonl", shuffled(groups, args.seed))
        data_dir = work / "data"
        print(f"{sum(map(len, groups.values()))} programs in {len(groups)} problems; load {os.getloadavg()}",
              flush=True)
        a = score(work, "A", plain, data_dir, args)
        b = score(work, "B", plain, data_dir, args)
        c = score(work, "C", work / "responses-c.jsonl", data_dir, args)
        ab = compare("A/B", a, b)
        ac = compare("A/C", a, c)
    total = time.monotonic() - started
    print(f"total {total:.0f} s; load {os.getloadavg()}; differing counts A/B {ab[0]}, A/C {ac[0]}; "
          f"differing verdicts A/B {ab[1]}, A/C {ac[1]}")
    return 0 if ab == ac == (0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
