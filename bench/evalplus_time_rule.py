"""Does a labelled solution break EvalPlus's own per-input time rule on MBPP+'s tests?

EvalPlus (``evalplus.evaluate``) gives each test input max(1 s, 4x the reference's time on
it). This times the reference (best of 3) and the solution on every MBPP+ test input,
natively, in this process, with no sandbox (trusted data only: EvalPerf's solutions), and
prints how many inputs go over. Used to show that MBPP+ test timeouts of solutions EvalPerf
labels correct are the data's, not the service's (``bench/results/evalperf-contrast.md``).

    python bench/evalplus_time_rule.py Mbpp/781:4 Mbpp/239:2 ...   (task:index of the solution in the clusters file)
"""

from __future__ import annotations

import copy
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reward_service.datasets.evalperf import EVALPERF_FILE  # noqa: E402
from reward_service.datasets.mbppplus import MBPPPLUS_FILE  # noqa: E402
from reward_service.datasets.paths import data_file, read_jsonl  # noqa: E402

FLOOR_S, FACTOR = 1.0, 4.0  # EvalPlus's min_time_limit and gt_time_limit_factor


class _Late(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise _Late


def timed(fn: Callable[..., Any], args: list[Any], cap: float) -> float:
    """Wall seconds of one call, as EvalPlus times it (inf past ``cap``)."""
    signal.setitimer(signal.ITIMER_REAL, cap)
    started = time.perf_counter()
    try:
        fn(*copy.deepcopy(args))
        return time.perf_counter() - started
    except _Late:
        return float("inf")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    signal.signal(signal.SIGALRM, _alarm)
    tasks = {str(t["task_id"]): t for t in read_jsonl(data_file(MBPPPLUS_FILE))}
    clusters = {str(t["task_id"]): t for t in read_jsonl(data_file(EVALPERF_FILE))}
    for arg in sys.argv[1:]:
        task_id, index = arg.rsplit(":", 1)
        task, entry = tasks[task_id], tasks[task_id]["entry_point"]
        reference: dict[str, Any] = {}
        exec(task["canonical_solution"], reference)  # trusted
        solution = clusters[task_id]["solutions"][int(index)]
        ns: dict[str, Any] = {}
        exec(solution["solution"], ns)  # trusted: EvalPerf's labelled solutions
        inputs = task["base_input"] + task["plus_input"]
        over, total = [], 0.0
        for i, args in enumerate(inputs):
            ref = min(timed(reference[entry], args, 60.0) for _ in range(3))
            limit = max(FLOOR_S, FACTOR * ref)
            took = timed(ns[entry], args, 2 * limit + 1)
            total += min(took, 2 * limit + 1)
            if took > limit:
                over.append((i, round(ref, 3), round(limit, 2), round(took, 2) if took != float("inf") else "> 2x"))
        print(f"{arg} cluster {solution['matching_cluster_idx']}: {len(over)} of {len(inputs)} inputs over "
              f"EvalPlus's limit, {total:.1f} s in all; first (input, reference s, limit s, took s): {over[:4]}",
              flush=True)


if __name__ == "__main__":
    main()
