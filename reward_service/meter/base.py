"""The meter interface: how the instructions of one run are counted.

A meter does two things: it says how the zygote must be started (a command prefix and the
harness mode), and it reads the count of a finished run from the zygote's report. The
count itself is always collected inside the sandbox by the zygote (``protocol.py``), the
same way on every backend. Backends:

* ``callgrind`` (software, exact): the template runs under ``valgrind --tool=callgrind``;
  the run opens and closes collection in native code, and its count file is written at
  its exit into a directory the native tail made afresh; the zygote reads it.
* ``qemu`` (software, exact, several times cheaper than callgrind): the template runs under
  QEMU user mode with a counting plugin; the run opens and closes the count in native code
  by marker system calls the plugin sees, and the plugin writes the count file at the run's
  exit into the same fresh directory (``qemu.py``).
* ``perf`` (hardware counters): the template opens a user-space instruction counter on the
  child (inherited by its threads) and reports its value.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Any

__all__ = ["Meter", "Reading"]


class Reading:
    """A finished run's count (or why there is none)."""

    __slots__ = ("instructions", "error")

    def __init__(self, instructions: int | None, error: str | None = None) -> None:
        self.instructions = instructions
        self.error = error


class Meter(abc.ABC):
    #: backend name, part of every result cache key
    name: str
    #: harness mode: "callgrind", "qemu" or "perf"
    mode: str

    @abc.abstractmethod
    def command_prefix(self, count_dir: str, harness_dir: str) -> list[str]:
        """What to put before the interpreter when starting a metering template
        (``harness_dir``: where the harness and :meth:`files` are, as the sandbox sees them)."""

    def files(self) -> dict[str, Path]:
        """Files the sandbox must carry next to the harness (name there -> path here)."""
        return {}

    def read(self, report: dict[str, Any]) -> Reading:
        """The count of the run described by the zygote's ``report``."""
        if report.get("meter_error"):
            return Reading(None, str(report["meter_error"])[:500])
        value = report.get("instructions")
        if type(value) is not int or value <= 0:
            return Reading(None, f"no {self.name} count reported")
        return Reading(value)

    def describe(self) -> str:
        return self.name
