"""Which meter this service really measures with, and the tag every count carries.

``auto`` is a wish, not a meter: it is resolved once per process, in the order of cost per
count: hardware counters when the host has them, else QEMU user mode with the counting
plugin when ``qemu-user`` runs here, else callgrind; the choice and why are logged. (The
Docker backend counts inside its image: ``auto`` is QEMU there, which the image carries.)
The resolved name, the sandbox image, the hash seed and the harness's version make the
*environment tag*: result-cache keys, tasks and worker info carry it, so counts of
different meters (or images, seeds, harness versions) are never reused for one another, and a worker refuses a task tagged for
another environment instead of measuring it with the wrong meter.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from ..errors import MeterUnavailable
from ..settings import Settings
from .hardware import probe
from .native import build_extension, build_plugin
from .qemu import probe_qemu

__all__ = ["resolve_backend", "environment_tag", "choose_auto", "harness_version"]

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def choose_auto(python: str, data_dir: str, qemu: str = "") -> tuple[str, str]:
    """(meter, why) for ``auto`` on this host: ``perf``, else ``qemu``, else ``callgrind``."""
    native = Path(data_dir) / "native"
    try:
        perf_reason = probe(python, build_extension(python, native))
    except MeterUnavailable as exc:
        perf_reason = exc.message
    if perf_reason is None:
        return "perf", "hardware instruction counters work here"
    try:
        qemu_reason = probe_qemu(python, build_plugin(native), qemu)
    except MeterUnavailable as exc:
        qemu_reason = exc.message
    if qemu_reason is None:
        return "qemu", f"hardware counters unavailable ({perf_reason}); qemu-user with the counting plugin works"
    return "callgrind", f"hardware counters unavailable ({perf_reason}); qemu unavailable ({qemu_reason})"


@functools.lru_cache(maxsize=8)
def _resolve(backend: str, sandbox: str, python: str, data_dir: str, qemu: str) -> str:
    if sandbox == "docker":
        return "callgrind" if backend == "callgrind" else "qemu"
    if backend != "auto":
        return backend
    name, why = choose_auto(python, data_dir, qemu)
    log.info("meter auto: %s (%s)", name, why)
    return name


def resolve_backend(settings: Settings) -> str:
    """The meter a scorer built from ``settings`` counts with: ``perf``, ``qemu`` or ``callgrind``."""
    return _resolve(settings.meter.backend, settings.sandbox.backend, settings.sandbox.python,
                    str(settings.data_dir), settings.meter.qemu)


def environment_tag(settings: Settings, meter: str | None = None) -> str:
    """Resolved meter, sandbox image and hash seed: what a count depends on besides the code.

    ``meter``: the meter a running scorer actually uses (a worker passes its own), else the
    one ``settings`` resolve to.
    """
    sandbox = settings.sandbox
    image = sandbox.docker_image if sandbox.backend == "docker" else f"embedded:{sandbox.python}"
    used = meter if meter and meter != "none" else resolve_backend(settings)
    return f"{used}|{image}|seed={settings.meter.hash_seed}|harness={harness_version()}"


#: the sources a count depends on besides the code: what runs in the sandbox around it
_COUNTED_SOURCES = ("sandbox/harness.py", "sandbox/runner.py", "sandbox/policy.py", "sandbox/wire.py",
                    "sandbox/protocol.py", "meter/_rsmeter.c", "meter/_rsqemu.c", "meter/_rsmarker.h",
                    "meter/_rsseccomp.h")


@functools.lru_cache(maxsize=1)
def harness_version() -> str:
    """A digest of the harness and the meter's native code. A change there can move counts
    (the allocator state a count starts from moved a loop's by 2.2%), so counts cached by
    another version are never reused beside this one's, and workers of another version
    refuse this one's tasks. (A Docker image tag such as ``latest`` says nothing of it.)"""
    import hashlib

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in _COUNTED_SOURCES:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return digest.hexdigest()[:12]
