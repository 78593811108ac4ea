"""Benchmarks of the scoring core; each prints its figures.

    python bench/meter.py determinism   spread of N over 10 repeats of one candidate (target 0)
    python bench/meter.py overhead      wall time per metered no-op measurement (target <= 50 ms)
    python bench/meter.py contrast      N(slow cluster) / N(top cluster) per generator task (>= 10x)
    python bench/meter.py throughput    candidates/s: correctness only (MBPP+), and metered (mixed group)
    python bench/meter.py imports       count a standard-library import adds to fast solutions (<= 0.5%)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from reward_service.datasets import evalperf_problems, load_mbppplus
from reward_service.datasets.evalperf import perf_solutions
from reward_service.problem import EntryPoint
from reward_service.results import ScoreOptions
from reward_service.sandbox.base import RunSpec
from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, Settings


def fence(code: str) -> str:
    return f"```python\n{code}\n```"


def settings() -> Settings:
    return Settings(meter=MeterSettings(backend="callgrind"), data_dir=Path("/tmp/reward-service-bench"))


def determinism() -> None:
    with Scorer(settings()) as scorer:
        for problem in evalperf_problems()[:3]:
            fast, slow = perf_solutions(problem.id)
            for label, code in (("fast", fast), ("slow", slow)):
                counts = [scorer.evaluate(problem, code).instructions or 0 for _ in range(10)]
                print(f"{problem.id:12s} {label}: N={counts[0]:>13,d} spread={max(counts) - min(counts)} "
                      f"(10 repeats)")


def overhead() -> None:
    with Scorer(settings()) as scorer:
        spec = RunSpec(code="def f():\n    return 0\n", entry=EntryPoint(function="f"), inputs=[{"args": []}],
                       measure=True, cpu_s=60)
        scorer.sandbox.run_untrusted(spec)  # start the zygote
        walls = []
        for _ in range(30):
            t = time.perf_counter()
            out = scorer.sandbox.run_untrusted(spec)
            walls.append(time.perf_counter() - t)
        print(f"metered no-op: median {statistics.median(walls) * 1e3:.1f} ms, "
              f"p90 {sorted(walls)[26] * 1e3:.1f} ms over 30 runs (N={out.instructions})")
        plain = RunSpec(code="def f():\n    return 0\n", entry=EntryPoint(function="f"), inputs=[{"args": []}])
        scorer.sandbox.run_untrusted(plain)
        walls = []
        for _ in range(30):
            t = time.perf_counter()
            scorer.sandbox.run_untrusted(plain)
            walls.append(time.perf_counter() - t)
        print(f"unmetered no-op: median {statistics.median(walls) * 1e3:.1f} ms over 30 runs")


def contrast() -> None:
    with Scorer(settings()) as scorer:
        print(f"{'task':12s} {'N slow':>15s} {'N fast':>13s} {'ratio':>8s}")
        ratios = []
        for problem in evalperf_problems():
            fast, slow = perf_solutions(problem.id)
            nf = scorer.evaluate(problem, fast).instructions or 1
            ns = scorer.evaluate(problem, slow).instructions or 1
            ratios.append(ns / nf)
            print(f"{problem.id:12s} {ns:>15,d} {nf:>13,d} {ns / nf:>7.1f}x")
        print(f"min ratio {min(ratios):.1f}x, median {statistics.median(ratios):.1f}x over {len(ratios)} tasks")


def throughput() -> None:
    problems = load_mbppplus()
    with Scorer(settings()) as scorer:
        for p in problems:  # expected outputs first: not part of the candidate rate
            scorer.expected(p)
        t = time.perf_counter()
        scorer.score_groups([(p, [fence(p.reference or "")]) for p in problems], ScoreOptions(measure=False))
        dt = time.perf_counter() - t
        print(f"correctness only: {len(problems)} MBPP+ candidates in {dt:.1f} s = {len(problems) / dt:.1f}/s")
        eps = evalperf_problems()[:4]
        groups = []
        for p in eps:
            fast, slow = perf_solutions(p.id)
            groups.append((p, [fence(fast), fence(slow), fence("def x(): pass"), "no code"]))
            scorer.expected(p)
        t = time.perf_counter()
        scorer.score_groups(groups)
        dt = time.perf_counter() - t
        n = sum(len(g[1]) for g in groups)
        print(f"metered mixed groups: {n} responses ({2 * len(groups)} metered) in {dt:.1f} s = {n / dt:.2f}/s")


IMPORTS = ("collections", "heapq", "bisect", "itertools", "functools", "math", "re", "string", "operator", "array",
           "typing", "dataclasses", "threading", "random", "fractions", "decimal", "statistics")


def imports() -> None:
    """The count ``import X`` adds to a fast solution at its problem's performance scale."""
    with Scorer(settings()) as scorer:
        tasks = evalperf_problems()[:3]
        base = {}
        for problem in tasks:
            fast, _ = perf_solutions(problem.id)
            base[problem.id] = (fast, scorer.evaluate(problem, fast).instructions or 1)
        print(f"{'module':12s} " + " ".join(f"{p.id + ' (N=' + format(base[p.id][1], ',') + ')':>30s}" for p in tasks))
        worst = 0.0
        for module in IMPORTS:
            cells = []
            for problem in tasks:
                fast, n = base[problem.id]
                m = scorer.evaluate(problem, f"import {module}\n{fast}")
                added = (m.instructions or 0) - n
                worst = max(worst, added / n)
                cells.append(f"{added:>+12,d} ({100 * added / n:+.3f}%)")
            print(f"{module:12s} " + " ".join(f"{c:>30s}" for c in cells))
        print(f"largest addition: {100 * worst:.3f}% of a fast solution's count (target <= 0.5%)")


if __name__ == "__main__":
    {"determinism": determinism, "overhead": overhead, "contrast": contrast, "throughput": throughput,
     "imports": imports}[sys.argv[1]]()
