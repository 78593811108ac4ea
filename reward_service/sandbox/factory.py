"""The sandbox (and the meter it counts with) that the settings ask for."""

from __future__ import annotations

import logging
from typing import Any

from ..errors import MeterUnavailable
from ..meter import CallgrindMeter, HardwareMeter, Meter, build_extension
from ..settings import Settings
from .base import Sandbox

__all__ = ["make_meter", "make_sandbox"]

log = logging.getLogger(__name__)


def make_meter(settings: Settings) -> tuple[Meter, Any]:
    """The meter the settings ask for, and the native helper it needs. ``auto``: perf, else callgrind."""
    python = settings.sandbox.python
    extension = build_extension(python, settings.data_dir / "native")
    choice = settings.meter.backend
    if choice in ("auto", "perf"):
        try:
            return HardwareMeter(python, extension), extension
        except MeterUnavailable as exc:
            if choice == "perf":
                raise
            log.info("hardware counters unavailable (%s); using callgrind", exc.message)
    return CallgrindMeter(settings.meter.valgrind), extension


def make_sandbox(settings: Settings) -> Sandbox:
    if settings.sandbox.backend == "docker":
        # Counts are taken inside the sandbox image (its valgrind and its meter helper), so
        # the worker's host needs neither; containers have no hardware counters.
        from .docker_backend import ContainerCallgrindMeter, DockerSandbox

        if settings.meter.backend == "perf":
            raise MeterUnavailable("the docker backend counts with callgrind; set REWARD_METER__BACKEND=callgrind")
        return DockerSandbox(settings, ContainerCallgrindMeter())
    meter, extension = make_meter(settings)
    from .embedded import EmbeddedSandbox

    return EmbeddedSandbox(settings.sandbox, meter, extension, hash_seed=settings.meter.hash_seed)
