"""Software meter: exact instruction counts with valgrind's callgrind.

Facts this relies on (measured on the development machine, see bench/meter.py):
counts are bit-identical run to run for the same binary, input, ``PYTHONHASHSEED`` and
harness state; callgrind slows CPU-bound Python about 55x.

The template starts with collection off (``_rsmeter.quiet``); each run's native region
switches it on just before the candidate and off after its outputs are snapshotted
(``_rsmeter.run``), then makes the count directory afresh; callgrind writes
``callgrind.out.<pid>`` there at the run's exit and the zygote reads it
(``protocol.read_count``). A run may not create processes, so that file is the whole
count; threads are counted in it.
"""

from __future__ import annotations

import shutil

from ..errors import MeterUnavailable
from .base import Meter

__all__ = ["CallgrindMeter"]

class CallgrindMeter(Meter):
    name = "callgrind"
    mode = "callgrind"

    def __init__(self, valgrind: str = "valgrind") -> None:
        path = shutil.which(valgrind)
        if path is None:
            raise MeterUnavailable(f"{valgrind} not found (apt-get install valgrind)")
        self.valgrind = path

    def command_prefix(self, count_dir: str, harness_dir: str) -> list[str]:
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
            f"--callgrind-out-file={count_dir}/callgrind.out.%p",
        ]
