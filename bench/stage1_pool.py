"""Scoring a sample pool, as stage 1 does: 100 responses for each of 20 problems.

    python bench/stage1_pool.py [problems] [responses_per_problem]

Responses are drawn (seeded) from EvalPerf's real model-written solutions of MBPP+ tasks,
as a sampled model repeats itself: the solution as written, the same program reformatted
with a comment (same AST), a wrong variant, prose without a code block. Prints responses/s,
and how many programs were measured (after AST dedupe) against how many responses arrived.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from reward_service.datasets import load_evalperf, load_mbppplus
from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings
from reward_service.training import score_pool


def variants(source: str, entry: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return f"Here is a solution.\n\n```python\n{source}\n```\n"
    if roll < 0.8:  # the same program, formatted differently
        return f"```python\n# solution\n\n{source}\n\n# end of solution\n```\nThis runs in linear time."
    if roll < 0.95:
        return f"```python\ndef {entry}(*args):\n    return {rng.randrange(3)}\n```"
    return "I would loop over the input and keep a running answer."


def main() -> None:
    n_problems = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    per_problem = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rng = random.Random(0)
    mbpp = {p.id: p for p in load_mbppplus()}
    tasks = [t for t in load_evalperf() if t.task_id in mbpp][:n_problems]
    groups = [(mbpp[t.task_id], [variants(rng.choice(t.solutions).source, t.entry_point, rng)
                                 for _ in range(per_problem)]) for t in tasks]
    data = Path(tempfile.mkdtemp(prefix="rs-bench-"))
    settings = Settings(data_dir=data, meter=MeterSettings(backend="callgrind"), sandbox=SandboxSettings(concurrency=2))
    with Scorer(settings) as scorer:
        started = time.monotonic()
        summary = score_pool(scorer, groups, data / "pool.jsonl", chunk=8)
        wall = time.monotonic() - started
    print(f"problems: {n_problems}, responses received: {summary.received}, "
          f"programs measured (after AST dedupe): {summary.measured} "
          f"({summary.measured / summary.received:.0%} of received)")
    print(f"wall: {wall:.1f} s, {summary.received / wall:.2f} responses/s, "
          f"{summary.measured / wall:.2f} programs/s (callgrind, concurrency 2)")
    print("verdicts: " + ", ".join(f"{v.value}={n}" for v, n in sorted(summary.verdicts.items(), key=lambda kv: kv[0].value)))


if __name__ == "__main__":
    main()
