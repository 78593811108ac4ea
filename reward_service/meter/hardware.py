"""Hardware meter: user-space retired instructions from ``perf_event_open``.

The zygote opens the counter on the run's child, inherited by the child's threads and
children, enables it just before the candidate runs and reads it after the run has ended:
the candidate never holds the descriptor. Hosts without counters (most VMs, this
project's CI) are detected by :func:`probe` and the ``auto`` setting falls back to
callgrind.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import MeterUnavailable
from .base import Meter

__all__ = ["HardwareMeter", "probe"]

_PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import os, _rsmeter
fd = _rsmeter.perf_open(0)
_rsmeter.perf_enable(fd)
sum(range(10000))
print(_rsmeter.perf_read(fd))
"""


def probe(python: str, extension: Path) -> str | None:
    """None when this host counts instructions in hardware, else the reason it cannot."""
    try:
        proc = subprocess.run(
            [python, "-c", _PROBE, str(extension.parent)], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"probe failed: {exc}"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        return f"perf_event_open(PERF_COUNT_HW_INSTRUCTIONS) is not supported here: {last}"
    try:
        if int(proc.stdout.strip()) <= 0:
            return "the instruction counter reads zero"
    except ValueError:
        return "the probe printed no count"
    return None


class HardwareMeter(Meter):
    name = "perf"
    mode = "perf"

    def __init__(self, python: str, extension: Path) -> None:
        reason = probe(python, extension)
        if reason is not None:
            raise MeterUnavailable(reason)

    def command_prefix(self, count_dir: str, harness_dir: str) -> list[str]:
        return []
