"""The host side of the zygote protocol, shared by every sandbox backend.

A backend knows how to *start* a zygote (bubblewrap, a container) and hands back a
:class:`Channel`; this module speaks the protocol over it, keeps a pool of warm zygotes,
turns a zygote's report into a :class:`RunOutcome`, and reads the meter.

Failure policy: if a zygote dies or stops answering during a run, or a run failed before
it was *armed* (before the candidate's code started: the harness's own failure), it is
replaced and the run is tried once more on a fresh zygote; a second failure is a
SandboxError (the infrastructure's fault, never the candidate's reward). A run whose
problem's trusted code (setup, an input's expression, the generator, the encoder) failed
before arming raises ProblemCodeError (the problem is invalid; tried once more first, in
``PooledSandbox.run_untrusted``). Everything that
happens after arming is the candidate's: a missing or corrupt result, a missing count.
A zygote that reports itself dirty (it could not empty its scratch directory, or a run took
more pids or inodes than its budget: ``harness._Counters``) is replaced
before its next run.
"""

from __future__ import annotations

import abc
import json
import logging
import queue
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import ProblemCodeError, SandboxError
from ..meter.base import Meter
from .base import RunOutcome, RunSpec, RunStatus, Sandbox
from .protocol import HDR, MAX_FRAME

log = logging.getLogger(__name__)

__all__ = ["Channel", "Zygote", "ZygotePool", "PooledSandbox", "interpret", "zygote_environment", "slot_uid",
           "wall_limits", "OVERLOAD_FACTOR", "problem_code_error"]


def zygote_environment(meter: Meter | None, count_dir: str, scratch: str, hash_seed: int, *,
                       pidns: bool, harness_dir: str = "/opt/rs", own_cgroup: bool = False) -> dict[str, str]:
    """The whole environment a zygote starts with, on every backend (nothing of the host's).

    ``own_cgroup``: the zygote's memory cgroup holds nothing but its own sandbox (a
    container), so an OOM kill counted there during a run was the run's doing.
    """
    return {
        "RS_OWN_CGROUP": "1" if own_cgroup else "0",
        "PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": str(hash_seed), "RS_HASH_SEED": str(hash_seed), "RS_MODE": meter.mode if meter else "plain",
        "RS_LAUNCHER": json.dumps(meter.command_prefix(count_dir, harness_dir) if meter else []), "RS_SCRATCH": scratch,
        "RS_PIDNS": "1" if pidns else "0",
    }


#: how far short of its CPU limit a run that ended without a result may be and still have hit it
#: (the kernel charges CPU time in clock ticks)
CPU_SLACK_S = 0.1
#: the least share of a CPU a runnable run is assumed to get: past ``cpu_s * OVERLOAD_FACTOR``
#: of wall time (plus its stall budget) the machine, not the run, is at fault
OVERLOAD_FACTOR = 20.0


def wall_limits(cpu_s: float, wall_factor: float, floor: float = 5.0) -> tuple[float, float]:
    """(stall, overload) seconds for a run with ``cpu_s`` of CPU.

    The wall limit (``stall``) counts only the time the run was neither on a CPU nor waiting
    in a run queue for one (``harness.run_once``): it stops a run that sleeps or blocks, and
    never a CPU-bound run on a busy machine before its CPU limit. ``overload`` bounds the
    whole wall time however loaded the machine; a run stopped there is a SandboxError (retried,
    then masked), not the candidate's timeout.
    """
    stall = max(floor, cpu_s * wall_factor)
    return stall, stall + cpu_s * OVERLOAD_FACTOR


def slot_uid(base: int, metered: bool, slot: int) -> int:
    """Each slot runs as its own uid (per-uid process limits of one slot do not touch another)."""
    return base + (100 if metered else 0) + slot


class Channel(abc.ABC):
    """A byte pipe to one zygote."""

    @abc.abstractmethod
    def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes; b"" at EOF; raises TimeoutError."""

    @abc.abstractmethod
    def alive(self) -> bool: ...

    @abc.abstractmethod
    def kill(self) -> None:
        """Stop the zygote and everything in its sandbox. Idempotent."""


class FdChannel(Channel):
    """A channel over a pair of file descriptors (a subprocess's stdin and stdout)."""

    def __init__(self, wfd: int, rfd: int, poll: Callable[[], bool], kill: Callable[[], None]) -> None:
        self._w, self._r, self._poll, self._kill = wfd, rfd, poll, kill

    def write(self, data: bytes) -> None:
        import os

        view = memoryview(data)
        while view:
            view = view[os.write(self._w, view):]

    def read(self, n: int, timeout: float) -> bytes:
        import os

        ready, _, _ = select.select([self._r], [], [], max(0.0, timeout))
        if not ready:
            raise TimeoutError
        return os.read(self._r, n)

    def alive(self) -> bool:
        return self._poll()

    def kill(self) -> None:
        self._kill()


class Zygote:
    """One started zygote: framing, handshake, one run at a time."""

    def __init__(self, channel: Channel, meter: Meter | None, start_timeout: float = 60.0) -> None:
        self.channel = channel
        self.meter = meter
        self.runs = 0
        hello = self._recv(start_timeout)
        if not hello.get("hello"):
            raise SandboxError(f"zygote did not greet: {str(hello.get('error', ''))[:300]}")
        self.pid = int(hello["pid"])  # the template: its count file is not a run's
        self.info = hello

    def _send(self, obj: dict[str, Any]) -> None:
        data = json.dumps(obj, separators=(",", ":")).encode()
        try:
            self.channel.write(HDR.pack(len(data)) + data)
        except OSError as exc:
            raise SandboxError(f"zygote unreachable: {exc}") from exc

    def _recv_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.channel.read(n - len(buf), deadline - time.monotonic())
            except TimeoutError as exc:
                raise SandboxError("zygote did not answer in time") from exc
            except OSError as exc:
                raise SandboxError(f"zygote unreachable: {exc}") from exc
            if not chunk:
                raise SandboxError("zygote exited")
            buf += chunk
        return bytes(buf)

    def _recv(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        (n,) = HDR.unpack(self._recv_exact(4, deadline))
        if n > MAX_FRAME + (1 << 20):
            raise SandboxError("zygote report too large")
        try:
            report = json.loads(self._recv_exact(n, deadline))
        except ValueError as exc:
            raise SandboxError("zygote sent a malformed report") from exc
        if not isinstance(report, dict):
            raise SandboxError("zygote sent a malformed report")
        return report

    def run(self, request: dict[str, Any], wall_s: float) -> dict[str, Any]:
        self.runs += 1
        request = dict(request, id=self.runs)
        self._send(request)
        report = self._recv(wall_s + 60.0)
        if report.get("id") != self.runs:
            raise SandboxError("zygote answered out of turn")
        if report.get("dirty"):
            self.runs = 1 << 62  # the pool replaces it before its next run
        return report

    def close(self) -> None:
        try:
            if self.channel.alive():
                self._send({"op": "exit"})
        except SandboxError:
            pass
        self.channel.kill()


def interpret(report: dict[str, Any], spec: RunSpec, mode: str) -> RunOutcome:
    """Turn a zygote's report into an outcome. Raises SandboxError for the harness's failures.

    Only a run that was never armed can be the harness's failure: after arming, whatever
    the run left (no result, a corrupt one, a death by signal) is the candidate's doing.
    """
    out = RunOutcome(status=RunStatus.crashed, wall_s=float(report.get("wall_s", 0.0)),
                     cpu_s=float(report.get("cpu_s", 0.0)), limit=report.get("limit"),
                     leftovers=int(report.get("leftovers", 0) or 0))
    raw = report.get("result")
    result = raw if isinstance(raw, dict) else None
    if result is not None and isinstance(result.get("call_cpu_s"), list):
        out.call_cpu_s = [float(t) for t in result["call_cpu_s"]]
    armed = bool(report.get("armed"))
    if not armed:
        if result is not None and isinstance(result.get("problem_error"), str):
            raise problem_code_error(result)
        if result is not None and "harness_error" in result:
            raise SandboxError(f"harness failed: {str(result['harness_error'])[-400:]}")
        if report.get("signal") == signal.SIGXCPU or out.cpu_s >= spec.cpu_s - CPU_SLACK_S:
            raise ProblemCodeError(f"the problem's trusted code (setup, test inputs or generator) used the run's "
                                   f"CPU limit ({out.cpu_s:.1f} s) before the candidate ran", part="cpu", index=None)
        if report.get("limit") not in ("wall", "overload"):
            raise SandboxError(f"the run ended before the candidate started (exit {report.get('exit')}, "
                               f"signal {report.get('signal')})")
        if report.get("limit") == "wall":  # stalled (slept, blocked) before the candidate started
            raise ProblemCodeError(f"the problem's trusted code (setup, test inputs or generator) stalled past the "
                                   f"run's wall limit ({out.wall_s:.1f} s) before the candidate ran",
                                   part="stall", index=None)
    sig = report.get("signal")
    if report.get("limit") == "overload":  # runnable all along: the machine was too busy to finish it
        raise SandboxError(f"the machine was too loaded to finish the run ({out.cpu_s:.1f} s of CPU "
                           f"in {out.wall_s:.1f} s)")
    if report.get("limit") == "wall":
        out.status, out.limit = RunStatus.timeout, "wall"
    elif report.get("limit") == "output":
        out.status = RunStatus.output_limit
    elif sig == signal.SIGKILL and report.get("oom_kills"):  # its container's memory, by any of its processes
        out.status, out.limit = RunStatus.memory, "memory"
        out.exception = "MemoryError"
    elif sig == signal.SIGXCPU or (sig == signal.SIGKILL and out.cpu_s >= spec.cpu_s):
        out.status, out.limit = RunStatus.timeout, "cpu"
    elif sig == signal.SIGXFSZ:
        out.status, out.limit = RunStatus.output_limit, "output"
    elif (result is None or "harness_error" in result) and out.cpu_s >= spec.cpu_s - CPU_SLACK_S:
        # the CPU limit, however the run ended: under valgrind, RLIMIT_CPU ends the run with
        # an exit status, not a signal (and a run cannot spend CPU it did not spend)
        out.status, out.limit = RunStatus.timeout, "cpu"
    elif result is None or "harness_error" in result:
        out.status = RunStatus.crashed
        out.message = (f"killed by signal {sig}" if sig is not None
                       else "exited without a result (or corrupted the result channel)")
    else:
        status = result.get("status")
        outputs = result.get("outputs")
        if status == "ok" and isinstance(outputs, list):
            expected = 1 if spec.generator else len(spec.inputs)
            if len(outputs) != expected:
                out.message = "result has the wrong number of outputs"
            elif spec.measure and report.get("count_missing"):
                out.message = f"the run left no count: {str(report['count_missing'])[:200]}"
            else:
                out.status, out.outputs = RunStatus.ok, outputs
        elif status == "memory":
            out.status, out.limit = RunStatus.memory, "memory"
            out.exception = str(result.get("exception") or "MemoryError")[:80]
        elif status == "output":
            out.status, out.limit = RunStatus.output_limit, "output"
        elif status == "timeout":  # an input past its own CPU limit (RunSpec.call_cpu_s)
            out.status, out.limit = RunStatus.timeout, "cpu"
            idx = result.get("index")
            out.index = idx if isinstance(idx, int) else None
        elif status == "error":
            out.status = RunStatus.error
            out.exception = str(result.get("exception") or "Exception")[:80]
            out.message = str(result.get("message") or "")[:200]
            idx = result.get("index")
            out.index = idx if isinstance(idx, int) else None
            if out.exception == "MemoryError":
                out.status, out.limit = RunStatus.memory, "memory"
    return out


_PARTS = {"setup": "setup code", "generator": "performance-input generator", "encoder": "output encoder",
          "inputs": "inputs (the run's request)"}


def problem_code_error(result: dict[str, Any]) -> ProblemCodeError:
    """The error for a run whose problem's trusted code failed before arming (``problem_error``).

    Trusted only from a run that was never armed (``interpret``): the candidate had not run.
    """
    part = str(result.get("part") or "")
    index = result.get("index") if isinstance(result.get("index"), int) else None
    what = f"test input {index}'s expression" if part == "input" else _PARTS.get(part, "trusted code")
    return ProblemCodeError(f"the problem's {what} failed before the candidate ran: "
                            f"{str(result['problem_error'])[:300]}", part=part, index=index)


class ZygotePool:
    """Warm zygotes of one kind (plain or metering); one run per zygote at a time."""

    def __init__(self, start: Callable[[int], Zygote], size: int, mode: str, meter: Meter | None,
                 runs_per_zygote: int = 10_000, warmup: RunSpec | None = None,
                 wall_factor: float = 3.0, limits: tuple[int, int, int] = (32, 64, 8 << 20),
                 min_wall_s: float = 5.0) -> None:
        self._start = start
        self._mode = mode
        self._meter = meter
        self._runs_per_zygote = runs_per_zygote
        self._warmup = warmup
        self._wall_factor = wall_factor
        self._min_wall_s = min_wall_s
        self._limits = limits
        self._idle: queue.LifoQueue[tuple[int, Zygote | None]] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._all: dict[int, Zygote] = {}
        self._closed = False
        for slot in range(size):
            self._idle.put((slot, None))  # started lazily

    def _fresh(self, slot: int) -> Zygote:
        zyg = self._start(slot)
        with self._lock:
            self._all[slot] = zyg
        if self._warmup is not None:  # the first run after start is not representative
            self._raw_run(zyg, self._warmup)
        return zyg

    def _raw_run(self, zyg: Zygote, spec: RunSpec) -> RunOutcome:
        nproc, nofile, fsize = self._limits
        stall, overload = wall_limits(spec.cpu_s, self._wall_factor, self._min_wall_s)
        report = zyg.run(spec.to_request(stall, nproc, nofile, fsize, overload_s=overload), overload)
        outcome = interpret(report, spec, self._mode)
        if spec.measure and self._meter is not None:
            reading = self._meter.read(report)
            outcome.instructions, outcome.meter_error = reading.instructions, reading.error
        return outcome

    def run(self, spec: RunSpec) -> RunOutcome:
        if self._closed:
            raise SandboxError("sandbox is closed")
        slot, zyg = self._idle.get()
        try:
            last: SandboxError | None = None
            for _attempt in range(2):
                try:
                    if zyg is None or not zyg.channel.alive() or zyg.runs >= self._runs_per_zygote:
                        if zyg is not None:
                            zyg.close()
                        zyg = None
                        zyg = self._fresh(slot)
                    return self._raw_run(zyg, spec)
                except SandboxError as exc:
                    last = exc
                    if zyg is not None:
                        zyg.close()
                    zyg = None
            assert last is not None
            raise last
        finally:
            self._idle.put((slot, zyg))

    def close(self) -> None:
        self._closed = True
        with self._lock:
            zygotes = list(self._all.values())
            self._all.clear()
        for zyg in zygotes:
            zyg.close()


class PooledSandbox(Sandbox):
    """A backend made of two zygote pools: plain runs, and metered runs (when metering is on)."""

    _plain: ZygotePool
    _metered: ZygotePool | None

    def run_untrusted(self, spec: RunSpec) -> RunOutcome:
        """One run; one that crashed without a result is run once more.

        A crash after the run was armed is the code's own failure, but the machine can fail
        there too (rarely): a second, identical run tells them apart (a deterministic
        program crashes again), so a transient fault never becomes a candidate's 0.0 or
        an invalid reference.
        """
        if spec.measure and self._metered is None:
            raise SandboxError("metering is off in this sandbox")
        pool = self._metered if spec.measure and self._metered is not None else self._plain
        try:
            outcome = pool.run(spec)
        except ProblemCodeError as exc:  # the problem's code failed: once more, so a fault of the machine's is not
            log.info("the problem's code failed (%s); running it once more", exc.message)
            outcome = pool.run(spec)
        if outcome.status is RunStatus.crashed:
            log.info("run crashed (%s); running it once more", outcome.message)
            outcome = pool.run(spec)
        return outcome

    def _close_pools(self) -> None:
        self._plain.close()
        if self._metered is not None:
            self._metered.close()
