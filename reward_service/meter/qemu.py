"""Software meter: exact guest-instruction counts under QEMU user mode, several times cheaper than callgrind.

The metering template runs as ``qemu-<arch> -plugin _rsqemu.so,dir=<count dir>,mode=tb
python3 ...`` (Debian's ``qemu-user``, 7.2: TCG plugin API version 1). The plugin
(``_rsqemu.c``, built like the meter helper, see ``native.py``) adds each translation
block's instruction count inline into one counter of the process when the block is
entered. The counted region has the callgrind meter's semantics exactly:

* only ``_rsmeter.run`` opens and closes the count, once, by *marker* system calls
  (``_rsmarker.h``): a number no kernel implements, which QEMU's syscall callback hands to
  the plugin. Issuing one needs native code, which the policy refuses to candidates; the
  plugin accepts seal, open and close only once each and in order, with the seal's nonce;
* the count is the counter's growth between open and close, so a forked run starts from
  zero whatever its template counted (the counter is copied on fork, like callgrind's state);
* the count is written at the run's end as ``qemu.<pid>`` into the count directory the
  native tail made afresh after the close, and read by ``protocol.read_count``: the
  region's last step is an *exit* marker, on which the plugin writes the count and ends
  the process (QEMU's own exit path flushes every translated block: ~6 ms a run); a run
  killed by a signal writes nothing, as under callgrind;
* QEMU refuses a guest's seccomp filter (``PR_SET_SECCOMP`` gives EINVAL) and ignores a
  guest's memory rlimits, so at the region's *seal* (before arming) the plugin installs the
  run's filter (``_rsseccomp.h``, the same one) on the host process, every thread of it,
  where it applies to the real system calls QEMU makes for the candidate, and sets the
  run's ``RLIMIT_AS`` there; the run checks the filter is in place before it arms. QEMU
  also refuses ``PR_SET_CHILD_SUBREAPER``: the plugin makes the template one at start.

QEMU presents the guest a fixed CPU model (``CPU_MODEL``), chosen so that glibc picks the
same string and memory routines as under callgrind; the counts then do not depend on the
host's CPU either.

Per block or per instruction (measured with ``bench/meters_compare.py granularity``, see
``bench/results/qemu-meter.md``): an inline add per instruction is exact even for a block
left early (a fault, a signal), but cost 1.24-1.48x the CPU of one add per block on the
metered throughput batch. Blocks left early made per-block counts at most 1e-4 above
per-instruction ones there, deterministically (spread 0 over 10 repeats), and both are as
close to callgrind's counts as to each other (1e-5 to 1e-3): the order of solutions and
the contrast do not change. So the meter counts per block; ``granularity="insn"`` stays
for checks.

Threads: each guest thread is a host thread, running in parallel, and an inline add is a
plain load, add and store: threads in C code that releases the GIL (zlib, hashlib) lost
each other's counts (8 threads compressing 100 KB each: 269M-373M counted of 516M). So a
run that starts a thread is counted from then on by a callback's atomic add per block: the
plugin sees the clone, flushes its translations (``qemu_plugin_reset``) and makes them
again with the callback, which costs ~3.4x the inline add's time, paid only by threaded
runs (``test_threads_running_in_parallel_are_counted_whole``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from ..errors import MeterUnavailable
from .base import Meter

__all__ = ["QemuMeter", "qemu_binary", "probe_qemu", "PLUGIN_NAME", "CPU_MODEL"]

#: the plugin's file name next to the harness inside the sandbox
PLUGIN_NAME = "_rsqemu.so"
#: The CPU QEMU presents to the guest. glibc picks its string and memory routines by the
#: CPU's features (SSE2, AVX2, ERMS), and their instruction counts differ by the vector
#: width: QEMU's default model (qemu64, SSE2) counted ``del lst[k]`` on a long list 17-20%
#: below callgrind, which presents a Haswell-like CPU without TSX on AVX2 hosts. With this
#: model glibc makes the same choices under both meters (and the count does not depend on
#: the host's CPU at all: QEMU emulates the model whatever the host is).
CPU_MODEL = "Haswell-noTSX"


def qemu_binary(name: str = "") -> str | None:
    """The path of QEMU's user-mode emulator for this machine's architecture, or None."""
    return shutil.which(name or f"qemu-{os.uname().machine}")


def probe_qemu(python: str, plugin: Path, qemu: str = "") -> str | None:
    """None when ``python`` runs and is counted under QEMU with the plugin here, else why not."""
    binary = qemu_binary(qemu)
    if binary is None:
        return f"{qemu or 'qemu-' + os.uname().machine} not found (apt-get install qemu-user)"
    with tempfile.TemporaryDirectory(prefix="rs-qemu-probe-") as tmp:
        try:
            proc = subprocess.run([binary, "-cpu", CPU_MODEL, "-plugin", f"{plugin},dir={tmp},mode=tb", python, "-S",
                                   "-c", "pass"],
                                  capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"qemu probe failed: {exc}"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        return f"qemu with the counting plugin does not run {python}: {last}"
    return None


class QemuMeter(Meter):
    name = "qemu"
    mode = "qemu"

    def __init__(self, plugin: Path | None, qemu: str = "", granularity: Literal["tb", "insn"] = "tb",
                 cpu: str = CPU_MODEL) -> None:
        """``plugin``: the built plugin on this host, shipped next to the harness (None: the
        image carries it already, as the Docker image does)."""
        path = qemu_binary(qemu) if plugin is not None else (qemu or f"/usr/bin/qemu-{os.uname().machine}")
        if path is None:
            raise MeterUnavailable(f"{qemu or 'qemu-' + os.uname().machine} not found (apt-get install qemu-user)")
        self.qemu = path
        self.plugin = plugin
        self.granularity = granularity
        self.cpu = cpu

    def files(self) -> dict[str, Path]:
        return {PLUGIN_NAME: self.plugin} if self.plugin is not None else {}

    def command_prefix(self, count_dir: str, harness_dir: str) -> list[str]:
        cpu = ["-cpu", self.cpu] if self.cpu else []
        return [self.qemu, *cpu, "-plugin", f"{harness_dir}/{PLUGIN_NAME},dir={count_dir},mode={self.granularity}"]
