"""The sandbox interface: run untrusted code once, in a fresh process, and say what happened.

Backends live beside this module (``embedded`` with bubblewrap, ``docker`` with hardened
containers). Every backend drives the same in-sandbox harness (``harness.py``) through the
same zygote protocol (``zygote.py``); they differ only in how a zygote is started.

A backend raises :class:`~reward_service.errors.SandboxError` for infrastructure failures
only. Everything the candidate does to itself is a :class:`RunStatus`.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from typing import Any

from ..problem import EntryPoint

__all__ = ["RunSpec", "RunStatus", "RunOutcome", "Sandbox"]


@dataclass(frozen=True)
class RunSpec:
    """One run of untrusted code: its module, then the entry point on each input."""

    code: str
    entry: EntryPoint
    setup: str = ""
    inputs: list[dict[str, Any]] = field(default_factory=list)  # CallInput dicts
    generator: str | None = None  # or one generated input
    scale: int = 1
    seed: int = 0
    output_encoder: str | None = None
    cpu_s: float = 10.0
    memory_mb: int = 1024
    measure: bool = False  # count instructions (runs on a metering zygote)
    digest: bool = True  # huge plain outputs may come back as a digest (see wire.dumps_output)
    #: unmetered runs: one CPU limit per input (EvalPlus's per-input rule; a call past its
    #: limit is a timeout at that input), or 0.0 to time the input only; None: neither
    call_cpu_s: list[float] | None = None

    def to_request(self, wall_s: float, nproc: int, nofile: int, fsize: int,
                   overload_s: float | None = None) -> dict[str, Any]:
        """The zygote's request. ``wall_s``: how long the run may stall (neither on a CPU nor
        waiting for one); ``overload_s``: the most wall time it may take in all, however
        loaded the machine (past it the machine is at fault, not the run)."""
        return {
            "code": self.code,
            "setup": self.setup,
            "entry": {"function": self.entry.function, "class_name": self.entry.class_name},
            "inputs": self.inputs,
            "generator": self.generator,
            "scale": self.scale,
            "seed": self.seed,
            "output_encoder": self.output_encoder,
            "digest": self.digest,
            "call_cpu_s": self.call_cpu_s,
            "limits": {
                "cpu_s": self.cpu_s,
                "wall_s": wall_s,
                "overload_s": overload_s if overload_s is not None else wall_s,
                "memory_mb": self.memory_mb,
                "nproc": nproc,
                "nofile": nofile,
                "fsize": fsize,
            },
        }


class RunStatus(str, enum.Enum):
    ok = "ok"  # produced one output per input
    error = "error"  # the candidate raised (or exited) before producing every output
    timeout = "timeout"  # CPU or wall-clock limit
    memory = "memory"  # memory limit
    output_limit = "output_limit"  # wrote more than allowed
    crashed = "crashed"  # died by a signal, or left no (or a corrupt) result


@dataclass
class RunOutcome:
    status: RunStatus
    outputs: list[Any] = field(default_factory=list)  # tagged JSON values, one per input
    exception: str | None = None
    message: str = ""
    index: int | None = None  # input being run when the run failed
    instructions: int | None = None
    meter_error: str | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    limit: str | None = None
    leftovers: int = 0  # processes still running when the run ended (killed)
    call_cpu_s: list[float] = field(default_factory=list)  # CPU seconds per input, when the spec asked


class Sandbox(abc.ABC):
    """Runs untrusted code. Thread-safe: concurrent calls run on separate zygotes."""

    #: backend name and the identity of what runs code (part of every result cache key)
    name: str
    image: str
    #: the meter backend that metering runs use ("none" when metering is off)
    meter_name: str

    @abc.abstractmethod
    def run_untrusted(self, spec: RunSpec) -> RunOutcome:
        """Run ``spec`` in a fresh sandboxed process. Raises SandboxError on infrastructure failure,
        ProblemCodeError when the problem's trusted code (setup, inputs, generator, encoder) fails."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop every process the backend started."""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
