"""Which meter this service really measures with, and the tag every count carries.

``auto`` is a wish, not a meter: it is resolved once per process (hardware counters when
the host has them, else callgrind; the Docker backend always counts with callgrind). The
resolved name, the sandbox image and the hash seed make the *environment tag*: result-cache
keys, tasks and worker info carry it, so counts of different meters (or images, or seeds)
are never reused for one another, and a worker refuses a task tagged for another
environment instead of measuring it with the wrong meter.
"""

from __future__ import annotations

import functools
import logging

from ..errors import MeterUnavailable
from ..settings import Settings
from .hardware import probe
from .native import build_extension

__all__ = ["resolve_backend", "environment_tag"]

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _resolve(backend: str, sandbox: str, python: str, data_dir: str) -> str:
    if sandbox == "docker" or backend in ("callgrind", "perf"):
        return "callgrind" if sandbox == "docker" else backend
    from pathlib import Path

    try:
        reason = probe(python, build_extension(python, Path(data_dir) / "native"))
    except MeterUnavailable as exc:
        reason = exc.message
    if reason is None:
        return "perf"
    log.info("meter auto: callgrind (hardware counters unavailable: %s)", reason)
    return "callgrind"


def resolve_backend(settings: Settings) -> str:
    """The meter a scorer built from ``settings`` counts with: ``perf`` or ``callgrind``."""
    return _resolve(settings.meter.backend, settings.sandbox.backend, settings.sandbox.python, str(settings.data_dir))


def environment_tag(settings: Settings, meter: str | None = None) -> str:
    """Resolved meter, sandbox image and hash seed: what a count depends on besides the code.

    ``meter``: the meter a running scorer actually uses (a worker passes its own), else the
    one ``settings`` resolve to.
    """
    sandbox = settings.sandbox
    image = sandbox.docker_image if sandbox.backend == "docker" else f"embedded:{sandbox.python}"
    used = meter if meter and meter != "none" else resolve_backend(settings)
    return f"{used}|{image}|seed={settings.meter.hash_seed}"
