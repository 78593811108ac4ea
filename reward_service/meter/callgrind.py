"""Software meter: exact instruction counts with valgrind's callgrind.

Facts this relies on (measured on the development machine, see bench/meter_*.py):
counts are bit-identical run to run for the same binary, input, ``PYTHONHASHSEED`` and
harness state; callgrind slows CPU-bound Python about 55x.

Every process of a run (the run's child, and any process a candidate forks) writes
``callgrind.out.<pid>`` when it exits. The run's count is the sum of every file written
during the run, except the zygote's own. Collection is on for all threads from start-up
(``--collect-atstart=yes``) and the child zeroes the counters once, so threads a candidate
starts are counted, and its work cannot be zeroed again (the helper refuses).
A forked child inherits its parent's counts at the fork, which are then counted twice:
forking never lowers a count.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from ..errors import MeterUnavailable
from .base import Meter, Reading

__all__ = ["CallgrindMeter", "parse_total"]

_SUMMARY = re.compile(rb"^(?:summary|totals):\s*(\d+)", re.MULTILINE)
_FILE = re.compile(r"^callgrind\.out\.(\d+)$")


def parse_total(data: bytes) -> int:
    """The instruction total of one callgrind output file (its ``summary:`` line)."""
    m = _SUMMARY.search(data)
    if m is None:
        raise ValueError("no summary line in callgrind output")
    return int(m.group(1))


class CallgrindMeter(Meter):
    name = "callgrind"
    mode = "callgrind"

    def __init__(self, valgrind: str = "valgrind") -> None:
        path = shutil.which(valgrind)
        if path is None:
            raise MeterUnavailable(f"{valgrind} not found (apt-get install valgrind)")
        self.valgrind = path

    def command_prefix(self, meter_dir: str) -> list[str]:
        return [
            self.valgrind,
            "--tool=callgrind",
            "--quiet",
            "--collect-atstart=yes",
            "--dump-line=no",
            "--compress-pos=no",  # measured: halves the dump at each run's exit
            "--separate-recs=1",
            "--trace-children=no",
            "--child-silent-after-fork=yes",


            f"--callgrind-out-file={meter_dir}/callgrind.out.%p",
        ]

    def read(self, report: dict[str, Any], meter_dir: Path, zygote_pid: int) -> Reading:
        total = 0
        seen = 0
        errors: list[str] = []
        for path in sorted(meter_dir.iterdir()):
            m = _FILE.match(path.name)
            if m is not None and int(m.group(1)) == zygote_pid:
                continue
            try:
                if m is None or path.is_symlink() or not path.is_file():
                    # only callgrind writes here; anything else means the directory was tampered with
                    errors.append(f"unexpected entry {path.name[:60]!r} in the meter directory")
                    continue
                total += parse_total(path.read_bytes())
                seen += 1
            except (OSError, ValueError) as exc:
                errors.append(f"{path.name[:60]}: {exc}")
            finally:
                _remove(path)
        if errors:
            return Reading(None, "; ".join(errors)[:500])
        if seen == 0:
            return Reading(None, "no count file was written")
        return Reading(total)


def _remove(path: Path) -> None:
    """Remove one entry of the meter directory, whatever it is."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass
