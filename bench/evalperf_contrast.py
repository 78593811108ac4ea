"""Acceptance figures of the EvalPerf generators: every labelled solution, metered.

For each of EvalPerf's 89 MBPP tasks: its MBPP+ problem with the bundled generator (the
file is re-read per task, so scales written meanwhile by ``calibrate --write`` count),
and every cluster-labelled solution scored by the service (``--meter``, default auto). Prints one line
per task (``reward_service.contrast.format_task``), then the summary line and the
failures of solutions with cluster >= 0.

    python bench/evalperf_contrast.py [--concurrency 2] [--json out.jsonl] [--meter auto] [--data-dir DIR] [Mbpp/3 ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reward_service.contrast import as_json, format_summary, format_task, load_labelled, summarize, task_contrast  # noqa: E402
from reward_service.datasets.evalperf import EVALPERF_FILE, evalperf_problems  # noqa: E402
from reward_service.datasets.generators import GENERATOR_DIR, load_generator  # noqa: E402
from reward_service.datasets.paths import data_file  # noqa: E402
from reward_service.scoring import Scorer  # noqa: E402
from reward_service.settings import MeterSettings, Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tasks", nargs="*")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write one JSON line per task")
    parser.add_argument("--meter", default="auto", choices=["auto", "perf", "qemu", "callgrind"],
                        help="the meter backend (default auto: perf, then qemu, then callgrind)")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/reward-service-bench-evalperf"),
                        help="where expected outputs are cached (one per concurrent run of this script)")
    options = parser.parse_args()
    labelled = load_labelled(data_file(EVALPERF_FILE))
    problems = [p for p in evalperf_problems() if not options.tasks or p.id in options.tasks]
    settings = Settings(meter=MeterSettings(backend=options.meter), data_dir=options.data_dir)
    results = []
    started = time.monotonic()
    out = options.json.open("w", encoding="utf-8") if options.json else None
    with Scorer(settings) as scorer:
        for problem in problems:
            gen = load_generator(GENERATOR_DIR / (problem.id.replace("/", "_") + ".py"))
            assert problem.performance is not None
            perf = problem.performance.model_copy(update={"generator": gen.source, "scale": gen.scale})
            problem = problem.model_copy(update={"performance": perf})
            t = time.monotonic()
            result = task_contrast(scorer, problem, labelled[problem.id], concurrency=options.concurrency)
            results.append(result)
            print(f"{format_task(result)}  scale {gen.scale} ({time.monotonic() - t:.0f}s)", flush=True)
            if out:
                out.write(as_json(result) + "\n")
                out.flush()
    print(format_summary(summarize(results)))
    print(f"elapsed {time.monotonic() - started:.0f}s")
    for r in results:
        for f in r.failures:
            print(f"failure: {r.task_id} solution #{f.index} cluster {f.rank}: {f.kind}: {f.message}")


if __name__ == "__main__":
    main()
