"""The meter interface: how the instructions of one run are counted.

A meter does two things: it says how the zygote must be started (a command prefix and the
harness mode), and it reads the count of a finished run. Backends:

* ``callgrind`` (software, exact): the zygote runs under ``valgrind --tool=callgrind``;
  each run's child zeroes the counters once before the candidate and every process of the
  run writes its own count file, summed here.
* ``perf`` (hardware counters): the zygote opens a user-space instruction counter on the
  child (inherited by its threads and children) and reports its value.
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
    #: harness mode: "callgrind" or "perf"
    mode: str

    @abc.abstractmethod
    def command_prefix(self, meter_dir: str) -> list[str]:
        """What to put before the interpreter when starting a metering zygote."""

    @abc.abstractmethod
    def read(self, report: dict[str, Any], meter_dir: Path, zygote_pid: int) -> Reading:
        """The count of the run described by the zygote's ``report``. Cleans up after itself."""

    def describe(self) -> str:
        return self.name
