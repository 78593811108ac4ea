"""Instruction-count contrast of the EvalPerf generators, measured with callgrind.

For each generator: generate the input at its scale (seed 0), then call the fast
(top-cluster) or slow (cluster <= 0) solution on it, under
``valgrind --tool=callgrind``. A baseline run does everything but the call (generate,
define the solution), and is subtracted, so N counts the candidate's call only.

    python bench/generator_contrast.py              # every generator
    python bench/generator_contrast.py Mbpp/3 ...   # some
    python bench/generator_contrast.py --verify     # also check both solutions on MBPP+

Prints: task, scale, N slow, N fast, ratio. Target: ratio >= 10, N slow <= ~1e8.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reward_service.datasets.evalperf import perf_solutions  # noqa: E402
from reward_service.datasets.generators import GENERATORS, PerfGenerator  # noqa: E402
from reward_service.datasets.mbppplus import MBPPPLUS_FILE, mbppplus_inputs  # noqa: E402
from reward_service.datasets.paths import data_file, read_jsonl  # noqa: E402

_SCRIPT = """\
import io, sys
ns = {{}}
exec({generator!r}, ns)
inp = ns["generate"]({scale}, 0)
env = {{}}
exec({solution!r}, env)
fn = env[{entry!r}]
if {call}:
    sys.stdout = io.StringIO()
    fn(*inp["args"], **inp["kwargs"])
"""

_TOTALS = re.compile(rb"^(?:summary|totals):\s*(\d+)", re.MULTILINE)


def callgrind_count(script: str, workdir: Path) -> int:
    """Instructions executed by ``python3 script`` under callgrind (whole process)."""
    path = workdir / "run.py"
    path.write_text(script, encoding="utf-8")
    out = workdir / "cg.out"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(path)],
        check=True,
        capture_output=True,
        env=env,
        timeout=600,
    )
    match = _TOTALS.search(out.read_bytes())
    if match is None:
        raise RuntimeError("no totals in callgrind output")
    return int(match.group(1))


def call_count(gen: PerfGenerator, solution: str, entry: str, workdir: Path) -> int:
    def script(call: bool) -> str:
        return _SCRIPT.format(generator=gen.source, scale=gen.scale, solution=solution, entry=entry, call=call)

    return callgrind_count(script(True), workdir) - callgrind_count(script(False), workdir)


def _run_all(source: str, entry: str, inputs: list[Any]) -> list[Any]:
    env: dict[str, Any] = {}
    exec(source, env)
    fn = env[entry]
    outs: list[Any] = []
    for inp in inputs:
        try:
            outs.append(("ok", fn(*copy.deepcopy(list(inp)))))
        except Exception as exc:  # noqa: BLE001 - a failing input is a result here
            outs.append(("error", type(exc).__name__))
    return outs


def verify(task_id: str) -> str:
    """'ok' when both solutions match the canonical one on every MBPP+ input."""
    record = next(r for r in read_jsonl(data_file(MBPPPLUS_FILE)) if r["task_id"] == task_id)
    base, plus = mbppplus_inputs(record)
    inputs = base + plus
    entry = str(record["entry_point"])
    expected = _run_all(str(record["canonical_solution"]), entry, inputs)
    verdicts = []
    for name, source in zip(("fast", "slow"), perf_solutions(task_id), strict=True):
        got = _run_all(source, entry, inputs)
        bad = [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e[0] == "ok" and e != g]
        verdicts.append(f"{name} fails {len(bad)}" if bad else "")
    return "; ".join(v for v in verdicts if v) or "ok"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", help="task ids (default: all generators)")
    parser.add_argument("--verify", action="store_true", help="check solutions on MBPP+")
    options = parser.parse_args()
    entries = {r["task_id"]: str(r["entry_point"]) for r in read_jsonl(data_file(MBPPPLUS_FILE))}
    print(f"{'task':10} {'scale':>8} {'N slow':>13} {'N fast':>11} {'ratio':>9}  mbpp+")
    with tempfile.TemporaryDirectory() as tmp:
        for task_id in options.tasks or list(GENERATORS):
            gen = GENERATORS[task_id]
            fast, slow = perf_solutions(task_id)
            n_slow = call_count(gen, slow, entries[task_id], Path(tmp))
            n_fast = call_count(gen, fast, entries[task_id], Path(tmp))
            ratio = n_slow / max(n_fast, 1)
            check = verify(task_id) if options.verify else "-"
            print(f"{task_id:10} {gen.scale:>8} {n_slow:>13,} {n_fast:>11,} {ratio:>9.1f}  {check}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
