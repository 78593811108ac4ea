"""Build the meter's native code: the helper (`_rsmeter.c`) for the interpreter that runs
candidates, and the QEMU counting plugin (`_rsqemu.c`).

Each is compiled once per source (and interpreter) into the data directory. The Docker
image compiles both at build time instead, so its final stage needs no compiler.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
from pathlib import Path

from ..errors import MeterUnavailable

__all__ = ["SOURCE", "PLUGIN_SOURCE", "HEADERS", "build_extension", "build_plugin"]

SOURCE = Path(__file__).with_name("_rsmeter.c")
PLUGIN_SOURCE = Path(__file__).with_name("_rsqemu.c")
#: headers the sources include (part of what a build is keyed by)
HEADERS = tuple(Path(__file__).with_name(n) for n in ("_rsseccomp.h", "_rsmarker.h", "_qemu_plugin_api.h"))


def _sources_digest(source: Path, extra: str) -> str:
    data = source.read_bytes() + b"".join(h.read_bytes() for h in HEADERS) + extra.encode()
    return hashlib.sha256(data).hexdigest()[:16]


def _compile(cc: str, source: Path, target: Path, flags: list[str], what: str) -> Path:
    """Compile ``source`` into the shared object ``target`` (atomically: several workers may build at once)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f"{target.stem}.{os.getpid()}.{threading.get_ident()}.tmp.so"
    proc = subprocess.run(
        [cc, "-O2", "-shared", "-fPIC", *flags, "-o", str(tmp), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        raise MeterUnavailable(f"building the {what} failed: {proc.stderr[-500:]}")
    tmp.chmod(0o755)
    tmp.replace(target)
    return target


def _python_include(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return out.stdout.strip()


def build_extension(python: str, cache_dir: Path) -> Path:
    """Return the path of `_rsmeter` built for ``python``, compiling it when needed."""
    digest = _sources_digest(SOURCE, python)
    target_dir = cache_dir / f"rsmeter-{digest}"
    target = target_dir / "_rsmeter.so"
    if target.exists():
        return target
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise MeterUnavailable("no C compiler to build the meter helper (apt-get install gcc)")
    try:
        include = _python_include(python)
    except (OSError, subprocess.SubprocessError) as exc:
        raise MeterUnavailable(f"cannot query {python}: {exc}") from exc
    if not (Path(include) / "Python.h").exists():
        raise MeterUnavailable(f"Python headers missing at {include} (apt-get install python3-dev)")
    if not Path("/usr/include/valgrind/callgrind.h").exists():
        raise MeterUnavailable("valgrind headers missing (apt-get install valgrind)")
    return _compile(cc, SOURCE, target, [f"-I{include}"], "meter helper")


def build_plugin(cache_dir: Path) -> Path:
    """Return the path of the QEMU counting plugin (`_rsqemu.so`), compiling it when needed.

    It needs only a C compiler and libc's headers: the plugin API's declarations ship with
    the source (`_qemu_plugin_api.h`; Debian 12 packages no qemu-plugin.h).
    """
    target = cache_dir / f"rsqemu-{_sources_digest(PLUGIN_SOURCE, '')}" / "_rsqemu.so"
    if target.exists():
        return target
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise MeterUnavailable("no C compiler to build the QEMU plugin (apt-get install gcc)")
    return _compile(cc, PLUGIN_SOURCE, target, [], "QEMU plugin")
