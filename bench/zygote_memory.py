"""The zygote's peak memory for a run's outputs sent in full (no digests), per output.

A zygote decodes a run's outputs and encodes them for the host; in a Docker sandbox it
shares its container's memory limit with the run, and a zygote killed there turns the
candidate's verdict into a reward null. For each output below, one run in a fresh
embedded sandbox (correctness only, ``digest=False`` as for a checker), then the zygote's
peak resident memory (``VmHWM``)::

    python bench/zygote_memory.py            # every case
    python bench/zygote_memory.py quotes     # one
"""

from __future__ import annotations

import argparse
import glob
import tempfile
import time
from pathlib import Path

from reward_service.problem import EntryPoint
from reward_service.sandbox.base import RunSpec
from reward_service.sandbox.factory import make_sandbox
from reward_service.settings import MeterSettings, SandboxSettings, Settings

CASES = {
    "quotes": "'\"' * 40_000_000",  # 40 MB, 80 MB of JSON
    "ints": "list(range(10**9, 10**9 + 12_000_000))",  # 12 million ints, 132 MB of JSON
    "pairs": "[(i, -i) for i in range(4_000_000)]",  # 4 million tuples
    "pairs_at_the_limit": "[(i % 10, i % 7) for i in range(4_900_000)]",  # 19.6 million values, 108 MB of JSON
    "empty_lists": "[[]] * 9_000_000",  # 72 MB in the run, 27 MB of JSON
    "empty_lists_past_the_limit": "[[]] * 15_000_000",
}


def zygote_peaks_kb() -> list[int]:
    peaks = []
    for proc in glob.glob("/proc/[0-9]*"):
        try:
            cmd = Path(proc, "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "harness.py" in cmd and "template" not in cmd:
                for line in Path(proc, "status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]))
        except OSError:
            continue
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help=f"any of {', '.join(CASES)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    for name in args.cases or list(CASES):
        settings = Settings(data_dir=Path(tempfile.mkdtemp()), sandbox=SandboxSettings(concurrency=1),
                            meter=MeterSettings(backend="callgrind"))
        sandbox = make_sandbox(settings)
        try:
            spec = RunSpec(code=f"def f(n):\n    return {CASES[name]}\n", entry=EntryPoint(function="f"),
                           inputs=[{"args": [1], "kwargs": {}}], cpu_s=60, memory_mb=4096, digest=False)
            started = time.monotonic()
            outcome = sandbox.run_untrusted(spec)
            took = time.monotonic() - started
            peak = max(zygote_peaks_kb(), default=0)
            print(f"{name:28s} {outcome.status.value:13s} zygote peak {peak / 1024:8.0f} MB   "
                  f"run {outcome.cpu_s:5.1f} s CPU, {took:5.1f} s in all")
        finally:
            sandbox.close()


if __name__ == "__main__":
    main()
