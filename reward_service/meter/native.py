"""Build the meter's native helper (`_rsmeter.c`) for the interpreter that runs candidates.

The helper is compiled once per (source, interpreter) into the data directory. The Docker
image compiles it at build time instead, so its final stage needs no compiler.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
from pathlib import Path

from ..errors import MeterUnavailable

__all__ = ["SOURCE", "build_extension"]

SOURCE = Path(__file__).with_name("_rsmeter.c")


def _python_include(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return out.stdout.strip()


def build_extension(python: str, cache_dir: Path) -> Path:
    """Return the path of `_rsmeter` built for ``python``, compiling it when needed."""
    digest = hashlib.sha256(SOURCE.read_bytes() + python.encode()).hexdigest()[:16]
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
    target_dir.mkdir(parents=True, exist_ok=True)
    # a name of our own: several workers may build at once; the rename is atomic
    tmp = target_dir / f"_rsmeter.{os.getpid()}.{threading.get_ident()}.tmp.so"
    proc = subprocess.run(
        [cc, "-O2", "-shared", "-fPIC", f"-I{include}", "-o", str(tmp), str(SOURCE)],
        capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        raise MeterUnavailable(f"building the meter helper failed: {proc.stderr[-500:]}")
    tmp.chmod(0o755)
    tmp.replace(target)
    return target
