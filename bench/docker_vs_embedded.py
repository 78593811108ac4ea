"""Docker backend vs embedded backend: throughput on one batch, and overhead per measurement.

    python bench/docker_vs_embedded.py [--problems 4] [--repeats 2] [--overhead-runs 30]

(a) Candidates per second on the same metered batch: EvalPerf problems (MBPP+ with their
    performance generators) x [fast, slow, wrong, no entity, duplicate of fast]. One untimed
    pass first (expected outputs, warm pools); then the best of ``--repeats`` timed passes
    (a Scorer measures a duplicate once per pass, never across passes).
(b) Wall time of one metered no-op run (``def f(): return 0``) through
    ``scorer.sandbox.run_untrusted``, median of warm runs, in a container vs embedded.

Needs the sandbox image (``docker build -f sandbox_images/python/Dockerfile
-t reward-service-sandbox:latest .``; scripts/build-base-image.sh where there is no registry).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reward_service.datasets import evalperf_problems, perf_solutions  # noqa: E402
from reward_service.problem import EntryPoint, Problem  # noqa: E402
from reward_service.results import GroupResult  # noqa: E402
from reward_service.sandbox.base import RunSpec  # noqa: E402
from reward_service.scoring import Scorer  # noqa: E402
from reward_service.settings import MeterSettings, SandboxSettings, Settings  # noqa: E402

#: cheap under callgrind (a slow solution ~1e8 instructions), high contrast
TASKS = ["Mbpp/96", "Mbpp/166", "Mbpp/256", "Mbpp/757", "Mbpp/108", "Mbpp/88"]
NOOP = RunSpec(code="def f():\n    return 0\n", entry=EntryPoint(function="f"), inputs=[{"args": []}],
               measure=True, cpu_s=60)
Batch = list[tuple[Problem, list[str]]]
Backend = Literal["embedded", "docker"]
BACKENDS: tuple[Backend, ...] = ("embedded", "docker")


def fence(code: str) -> str:
    return f"```python\n{code.strip()}\n```\n"


def batch(count: int) -> Batch:
    by_id = {p.id: p for p in evalperf_problems()}
    groups: Batch = []
    for task_id in TASKS[:count]:
        problem = by_id[task_id]
        fast, slow = perf_solutions(task_id)
        name = problem.entry.function
        responses = [fence(fast), fence(slow), fence(f"def {name}(*args, **kwargs):\n    return None"),
                     fence("def helper(x):\n    return x"), fence(fast)]
        groups.append((problem, responses))
    return groups


def scorer_for(backend: Backend, work: Path) -> Scorer:
    return Scorer(Settings(
        data_dir=work / backend,
        sandbox=SandboxSettings(backend=backend, concurrency=2),
        meter=MeterSettings(backend="callgrind"),
    ))


def tally(results: Sequence[GroupResult]) -> str:
    counts = Counter(r.verdict.value for g in results for r in g.results)
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def throughput(scorer: Scorer, groups: Batch, repeats: int) -> tuple[float, list[GroupResult]]:
    # An untimed pass: the reference runs (once per problem version), and every zygote of the
    # plain and the metering pools started at the concurrency the timed passes use.
    scorer.score_groups(groups)
    candidates = sum(len(r) for _, r in groups)
    best, results = 0.0, []
    for _ in range(repeats):
        start = time.perf_counter()
        results = scorer.score_groups(groups)
        best = max(best, candidates / (time.perf_counter() - start))
    return best, results


def overhead(scorer: Scorer, runs: int) -> float:
    for _ in range(5):  # warm: the metering zygotes are up, their caches hot
        scorer.sandbox.run_untrusted(NOOP)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        outcome = scorer.sandbox.run_untrusted(NOOP)
        times.append(time.perf_counter() - start)
        assert outcome.instructions, outcome
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=4, choices=range(1, len(TASKS) + 1))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--overhead-runs", type=int, default=30)
    args = parser.parse_args()
    groups = batch(args.problems)
    candidates = sum(len(r) for _, r in groups)
    rate: dict[str, float] = {}
    noop: dict[str, float] = {}
    counts: dict[str, list[int | None]] = {}
    with tempfile.TemporaryDirectory(prefix="rs-bench-") as tmp:
        for backend in BACKENDS:  # one at a time: they share the CPUs
            with scorer_for(backend, Path(tmp)) as scorer:
                rate[backend], results = throughput(scorer, groups, args.repeats)
                noop[backend] = overhead(scorer, args.overhead_runs)
                counts[backend] = [r.instructions for g in results for r in g.results]
                print(f"{backend:9s} meter {scorer.meter_name}: {tally(results)}", flush=True)
    print(f"\n(a) {candidates} candidates ({args.problems} EvalPerf problems x [fast, slow, wrong, no entity, "
          f"duplicate]), metered, concurrency 2, warm, best of {args.repeats}:")
    for backend in BACKENDS:
        print(f"    {backend:9s} {rate[backend]:6.2f} candidates/s")
    print(f"    docker / embedded = {rate['docker'] / rate['embedded']:.2f}")
    print(f"(b) metered no-op run, median of {args.overhead_runs} warm runs:")
    for backend in BACKENDS:
        print(f"    {backend:9s} {noop[backend] * 1000:6.1f} ms")
    print(f"    container overhead = {(noop['docker'] - noop['embedded']) * 1000:+.1f} ms per measurement")
    pairs = [(a, b) for a, b in zip(counts["embedded"], counts["docker"], strict=True) if a and b]
    if pairs:
        spread = max(abs(b - a) / a for a, b in pairs)
        print(f"instructions, docker vs embedded: largest difference {spread:.2%} over {len(pairs)} passing "
              "candidates (counts are taken inside each backend's own interpreter)")


if __name__ == "__main__":
    main()
