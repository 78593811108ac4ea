"""What a Docker sandbox container must hold for a run: one rule, for the API (a problem
that does not fit is refused when it is registered or sent) and for the Docker backend (a
run that does not fit is refused, never run short of memory).

A container's memory limit is its cgroup's, shared by the run and the zygote that decodes
its outputs: the kernel kills whichever is larger when it is reached, and a zygote killed
turns the candidate's verdict into a reward null. No sandbox code is imported here (the
API process does not load the sandbox).
"""

from __future__ import annotations

from .errors import InvalidProblem
from .problem import Problem
from .settings import SandboxSettings, Settings

__all__ = ["memory_fits", "check_problem_fits", "BASE_RESERVE_MB", "ZYGOTE_RESERVE_MB", "METER_RESERVE_MB"]

#: a container's memory beyond its run's and the zygote's: Python processes, the relay, the template
BASE_RESERVE_MB = 256
#: the zygote decoding a run's outputs (at ``protocol.MAX_OUTPUT_ITEMS`` values: 0.7-1.0 GB measured,
#: ``bench/zygote_memory.py``)
ZYGOTE_RESERVE_MB = 1800
#: what a metered container has more: valgrind's or QEMU's own memory beside the run's
METER_RESERVE_MB = 2048


def memory_fits(sandbox: SandboxSettings, memory_mb: int) -> bool:
    """Whether a container holds a run of ``memory_mb`` at its limits: its memory, its scratch
    files, its result frame as the zygote buffers it, and, once the run is gone, the zygote
    decoding the outputs."""
    during = memory_mb + sandbox.scratch_mb + (sandbox.max_output_bytes >> 20) + BASE_RESERVE_MB
    after = ZYGOTE_RESERVE_MB + 2 * (sandbox.max_output_bytes >> 20) + BASE_RESERVE_MB
    return max(during, after) <= sandbox.docker_memory_mb


def check_problem_fits(settings: Settings, problem: Problem) -> None:
    """Raise InvalidProblem when this deployment's sandbox cannot run ``problem`` at its limits
    (a Docker container smaller than its ``limits.memory_mb`` needs)."""
    if settings.sandbox.backend == "docker" and not memory_fits(settings.sandbox, problem.limits.memory_mb):
        raise InvalidProblem(f"problem {problem.id!r}: limits.memory_mb={problem.limits.memory_mb} does not fit this "
                             f"deployment's sandbox containers (sandbox.docker_memory_mb="
                             f"{settings.sandbox.docker_memory_mb}, with scratch, output and the zygote's share)")
