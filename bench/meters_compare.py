"""The software meters side by side: qemu (QEMU user mode + the counting plugin) and callgrind.

    python bench/meters_compare.py cost          CPU s per metered candidate (unmetered, qemu, callgrind) on the
                                                 metered throughput batch and on the 14 checked generator tasks'
                                                 EvalPerf solutions; agreement of the orders; contrast per task;
                                                 a projection of a 4,096-candidate step on 2, 16 and 64 cores
    python bench/meters_compare.py overhead      metered no-op wall time per meter (target for qemu <= 25 ms)
    python bench/meters_compare.py determinism   spread of qemu's N over 10 repeats (target 0)
    python bench/meters_compare.py granularity   qemu per block vs per instruction: counts and CPU s

CPU seconds are the metered run processes' own (user + system, from the zygote's wait4:
the emulator's work for the run included; the zygote's compile and wipe, a few ms, not).
"Unmetered" runs the same performance inputs on the plain pool. ``--per-cluster K`` (default
2) keeps K solutions per EvalPerf cluster of each task, so callgrind's part stays minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reward_service.contrast import Labelled
from reward_service.datasets import evalperf_problems
from reward_service.datasets.evalperf import load_evalperf, perf_solutions
from reward_service.meter import QemuMeter, build_plugin
from reward_service.problem import EntryPoint, Problem
from reward_service.sandbox.base import RunOutcome, RunSpec
from reward_service.sandbox.embedded import EmbeddedSandbox
from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings
from reward_service.verdict import Verdict

CHECKED = ("Mbpp/3", "Mbpp/96", "Mbpp/166", "Mbpp/256", "Mbpp/757", "Mbpp/108", "Mbpp/88", "Mbpp/777",
           "Mbpp/632", "Mbpp/251", "Mbpp/140", "Mbpp/226", "Mbpp/11", "Mbpp/610")
METERS = ("qemu", "callgrind")
STEP = 4096
CORES = (2, 16, 64)


def settings(meter: str, concurrency: int = 2) -> Settings:
    return Settings(meter=MeterSettings(backend=meter), sandbox=SandboxSettings(concurrency=concurrency),  # type: ignore[arg-type]
                    data_dir=Path("/tmp/reward-service-bench"))


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}"


@contextmanager
def recorded(scorer: Scorer) -> Iterator[list[tuple[RunSpec, RunOutcome]]]:
    """Every metered run the scorer makes, with its outcome (CPU seconds included)."""
    runs: list[tuple[RunSpec, RunOutcome]] = []
    original: Callable[[RunSpec], RunOutcome] = scorer.sandbox.run_untrusted

    def run(spec: RunSpec) -> RunOutcome:
        out = original(spec)
        if spec.measure:
            runs.append((spec, out))
        return out

    scorer.sandbox.run_untrusted = run  # type: ignore[method-assign]
    try:
        yield runs
    finally:
        scorer.sandbox.run_untrusted = original  # type: ignore[method-assign]


def throughput_batch() -> list[tuple[Problem, str]]:
    """The metered candidates of ``bench/meter.py throughput``: fast and slow of 4 EvalPerf tasks."""
    out = []
    for p in evalperf_problems()[:4]:
        fast, slow = perf_solutions(p.id)
        out += [(p, fast), (p, slow)]
    return out


def checked_solutions(per_cluster: int) -> list[tuple[Problem, Labelled]]:
    problems = {p.id: p for p in evalperf_problems() if p.id in CHECKED}
    tasks = {t.task_id: t for t in load_evalperf()}
    out = []
    for tid in CHECKED:
        by_cluster = itertools.groupby(sorted(tasks[tid].solutions, key=lambda s: s.cluster), key=lambda s: s.cluster)
        for _, sols in by_cluster:
            out += [(problems[tid], Labelled(s.source, s.cluster)) for s in list(sols)[:per_cluster]]
    return out


def measure(meter: str, batch: list[tuple[Problem, str]]) -> tuple[list[int | None], float, list[RunSpec]]:
    """Counts (None: not passed), CPU s of the metered runs, and the metered specs."""
    with Scorer(settings(meter)) as scorer:
        for p in {p.id: p for p, _ in batch}.values():
            scorer.expected(p)
        scorer.evaluate(batch[0][0], batch[0][1])  # zygotes started and warm
        with recorded(scorer) as runs:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(2) as pool:
                results = list(pool.map(lambda item: scorer.evaluate(*item), batch))
        counts = [m.instructions if m.verdict is Verdict.passed else None for m in results]
        return counts, sum(o.cpu_s for _, o in runs), [s for s, _ in runs]


def unmetered_cpu(specs: list[RunSpec]) -> float:
    with Scorer(settings("callgrind")) as scorer:
        total = 0.0
        for spec in specs:
            total += scorer.sandbox.run_untrusted(dataclasses.replace(spec, measure=False)).cpu_s
        return total


def contrast(problem_ids: list[str], ranks: list[int], counts: list[int | None]) -> dict[str, float]:
    out: dict[str, float] = {}
    for tid in dict.fromkeys(problem_ids):
        passing = [(r, n) for t, r, n in zip(problem_ids, ranks, counts, strict=True) if t == tid and n]
        if passing:
            top = max(r for r, _ in passing)
            out[tid] = max(n for _, n in passing) / min(n for r, n in passing if r == top)
    return out


def cost(args: argparse.Namespace) -> None:
    print(f"# cost ({load()}, {os.cpu_count()} cores)")
    sets: dict[str, list[tuple[Problem, str]]] = {"throughput batch": throughput_batch()}
    labelled = checked_solutions(args.per_cluster)
    sets["14 generator tasks"] = [(p, s.source) for p, s in labelled]
    per_candidate: dict[tuple[str, str], float] = {}
    counts_of: dict[tuple[str, str], list[int | None]] = {}
    for name, batch in sets.items():
        specs: list[RunSpec] = []
        for meter in METERS:
            t = time.perf_counter()
            counts, cpu, specs = measure(meter, batch)
            counts_of[(name, meter)] = counts
            per_candidate[(name, meter)] = cpu / len(batch)
            print(f"{name:20s} {meter:10s} {len(batch):4d} candidates: {cpu:8.1f} CPU s = "
                  f"{cpu / len(batch):7.3f} CPU s/candidate (wall {time.perf_counter() - t:6.1f} s, {load()})")
        cpu = unmetered_cpu(specs)
        per_candidate[(name, "unmetered")] = cpu / len(batch)
        print(f"{name:20s} {'unmetered':10s} {len(batch):4d} candidates: {cpu:8.1f} CPU s = "
              f"{cpu / len(batch):7.3f} CPU s/candidate ({load()})")
        ratio = per_candidate[(name, "callgrind")] / per_candidate[(name, "qemu")]
        print(f"{name:20s} callgrind / qemu CPU: {ratio:.1f}x (target >= 5x)")
    # agreement and contrast on the labelled solutions
    name = "14 generator tasks"
    q, c = counts_of[(name, "qemu")], counts_of[(name, "callgrind")]
    both = [(i, a, b) for i, (a, b) in enumerate(zip(q, c, strict=True)) if a and b]
    pairs = agree = 0
    worst = 0.0
    for (i, qi, ci), (j, qj, cj) in itertools.combinations(both, 2):
        if labelled[i][0].id != labelled[j][0].id:
            continue
        worst = max(worst, abs(qi / ci - 1), abs(qj / cj - 1))
        if max(ci, cj) > 1.05 * min(ci, cj):
            pairs += 1
            agree += (qi < qj) == (ci < cj)
    print(f"agreement: {agree}/{pairs} pairs whose callgrind counts differ > 5% ordered the same by qemu; "
          f"largest |N_qemu/N_callgrind - 1| = {worst:.2e}; passing by qemu {sum(1 for x in q if x)}, "
          f"by callgrind {sum(1 for x in c if x)} of {len(q)}")
    ids = [p.id for p, _ in labelled]
    ranks = [s.rank for _, s in labelled]
    cq, cc = contrast(ids, ranks, q), contrast(ids, ranks, c)
    print(f"{'task':10s} {'contrast qemu':>14s} {'callgrind':>10s} {'diff':>7s}")
    diffs = []
    for tid in cc:
        d = cq[tid] / cc[tid] - 1
        diffs.append(abs(d))
        print(f"{tid:10s} {cq[tid]:13.1f}x {cc[tid]:9.1f}x {100 * d:+6.2f}%")
    print(f"largest contrast difference {100 * max(diffs):.2f}% (target <= 10%)")
    print(f"\nprojection: wall time of a {STEP}-candidate step (CPU s/candidate x {STEP} / cores)")
    print(f"{'meter':10s} {'set':20s} {'CPU s/cand':>10s} " + " ".join(f"{n:>4d} cores" for n in CORES))
    for (setname, meter), per in sorted(per_candidate.items(), key=lambda kv: (kv[0][0], kv[1])):
        cells = " ".join(f"{fmt(per * STEP / n):>10s}" for n in CORES)
        print(f"{meter:10s} {setname:20s} {per:10.3f} {cells}")


def fmt(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


NOOP = RunSpec(code="def f():\n    return 0\n", entry=EntryPoint(function="f"), inputs=[{"args": []}], measure=True,
               cpu_s=60)


def overhead(args: argparse.Namespace) -> None:
    print(f"# overhead ({load()})")
    for meter in ("unmetered", *METERS):
        with Scorer(settings("callgrind" if meter == "unmetered" else meter, 1)) as scorer:
            spec = dataclasses.replace(NOOP, measure=meter != "unmetered")
            scorer.sandbox.run_untrusted(spec)
            walls, cpus = [], []
            out = None
            for _ in range(30):
                t = time.perf_counter()
                out = scorer.sandbox.run_untrusted(spec)
                walls.append(time.perf_counter() - t)
                cpus.append(out.cpu_s)
            assert out is not None
            print(f"{meter:10s} no-op: median {statistics.median(walls) * 1e3:6.1f} ms wall, "
                  f"p90 {sorted(walls)[26] * 1e3:6.1f} ms, run CPU median {statistics.median(cpus) * 1e3:5.1f} ms "
                  f"(N={out.instructions}, {load()})")


def determinism(args: argparse.Namespace) -> None:
    print(f"# determinism, qemu ({load()})")
    with Scorer(settings("qemu", 1)) as scorer:
        for problem in [p for p in evalperf_problems() if p.id in CHECKED][:3]:
            fast, slow = perf_solutions(problem.id)
            for label, code in (("fast", fast), ("slow", slow)):
                counts = [scorer.evaluate(problem, code).instructions or 0 for _ in range(10)]
                print(f"{problem.id:10s} {label}: N={counts[0]:>13,d} spread={max(counts) - min(counts)} (10 repeats)")


def granularity(args: argparse.Namespace) -> None:
    """The same candidates counted per block and per instruction (and by callgrind)."""
    print(f"# granularity ({load()})")
    batch = throughput_batch()
    results: dict[str, tuple[list[int | None], float]] = {}
    for mode in ("tb", "insn"):
        s = settings("qemu", 1)
        meter = QemuMeter(build_plugin(s.data_dir / "native"), granularity=mode)  # type: ignore[arg-type]
        from reward_service.meter import build_extension

        sandbox = EmbeddedSandbox(s.sandbox, meter, build_extension(s.sandbox.python, s.data_dir / "native"))
        with Scorer(s, sandbox=sandbox) as scorer:
            for p in {p.id: p for p, _ in batch}.values():
                scorer.expected(p)
            scorer.evaluate(*batch[0])
            with recorded(scorer) as runs:
                counts = [scorer.evaluate(p, code).instructions for p, code in batch]
            results[mode] = (counts, sum(o.cpu_s for _, o in runs))
    cg, _, _ = measure("callgrind", batch)
    for i, (p, _) in enumerate(batch):
        tb, insn = results["tb"][0][i], results["insn"][0][i]
        c = cg[i]
        if tb and insn and c:
            print(f"{p.id:10s} tb {tb:>13,d} insn {insn:>13,d} ({(tb - insn) / insn:+.1e}) callgrind {c:>13,d} "
                  f"(tb {(tb - c) / c:+.1e})")
    print(f"CPU s of the metered runs: per block {results['tb'][1]:.2f}, per instruction {results['insn'][1]:.2f} "
          f"({results['insn'][1] / results['tb'][1]:.2f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["cost", "overhead", "determinism", "granularity"])
    parser.add_argument("--per-cluster", type=int, default=2)
    ns = parser.parse_args()
    commands: dict[str, Callable[[argparse.Namespace], Any]] = {
        "cost": cost, "overhead": overhead, "determinism": determinism, "granularity": granularity}
    commands[ns.what](ns)
    sys.stdout.flush()
