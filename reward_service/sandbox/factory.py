"""The sandbox (and the meter it counts with) that the settings ask for."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidProblem, MeterUnavailable
from ..meter import CallgrindMeter, HardwareMeter, Meter, QemuMeter, build_extension, build_plugin, probe_qemu
from ..meter.identity import resolve_backend
from ..problem import Problem
from ..settings import Settings
from .base import Sandbox

__all__ = ["make_meter", "make_sandbox", "check_problem_fits"]


def make_meter(settings: Settings) -> tuple[Meter, Any]:
    """The meter the settings ask for, and the native helper it needs.

    ``auto``: hardware counters, else QEMU with the counting plugin, else callgrind
    (``meter.identity.choose_auto``, which logs the choice and why). An explicit backend
    that cannot work here raises MeterUnavailable, saying why.
    """
    python = settings.sandbox.python
    native = settings.data_dir / "native"
    extension = build_extension(python, native)
    choice = resolve_backend(settings)
    if choice == "perf":
        return HardwareMeter(python, extension), extension
    if choice == "qemu":
        plugin = build_plugin(native)
        reason = probe_qemu(python, plugin, settings.meter.qemu)
        if reason is not None:
            raise MeterUnavailable(reason)
        return QemuMeter(plugin, settings.meter.qemu), extension
    return CallgrindMeter(settings.meter.valgrind), extension


def make_sandbox(settings: Settings) -> Sandbox:
    if settings.sandbox.backend == "docker":
        # Counts are taken inside the sandbox image (its qemu-user or valgrind, its plugin and
        # meter helper), so the worker's host needs none of them; containers have no
        # hardware counters, so auto means QEMU there (meter.identity says the same).
        from .docker_backend import ContainerCallgrindMeter, DockerSandbox, container_qemu_meter

        if settings.meter.backend == "perf":
            raise MeterUnavailable("the docker backend counts with qemu or callgrind; set REWARD_METER__BACKEND")
        meter: Meter = ContainerCallgrindMeter() if settings.meter.backend == "callgrind" else container_qemu_meter()
        return DockerSandbox(settings, meter)
    meter, extension = make_meter(settings)
    from .embedded import EmbeddedSandbox

    return EmbeddedSandbox(settings.sandbox, meter, extension, hash_seed=settings.meter.hash_seed)


def check_problem_fits(settings: Settings, problem: Problem) -> None:
    """Raise InvalidProblem when this deployment's sandbox cannot run ``problem`` at its limits
    (a Docker container smaller than its ``limits.memory_mb`` needs): refused when it is
    registered or sent, not a null for every response it is scored on."""
    if settings.sandbox.backend != "docker":
        return
    from .docker_backend import memory_fits

    if not memory_fits(settings.sandbox, problem.limits.memory_mb):
        raise InvalidProblem(f"problem {problem.id!r}: limits.memory_mb={problem.limits.memory_mb} does not fit this "
                             f"deployment's sandbox containers (sandbox.docker_memory_mb="
                             f"{settings.sandbox.docker_memory_mb}, with scratch, output and the zygote's share)")
