"""The sandbox (and the meter it counts with) that the settings ask for."""

from __future__ import annotations

from typing import Any

from ..errors import MeterUnavailable
from ..meter import CallgrindMeter, HardwareMeter, Meter, QemuMeter, build_extension, build_plugin, probe_qemu
from ..meter.identity import resolve_backend
from ..settings import Settings
from .base import Sandbox

__all__ = ["make_meter", "make_sandbox"]


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

