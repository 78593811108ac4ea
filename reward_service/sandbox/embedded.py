"""The embedded sandbox: zygotes in bubblewrap namespaces on this host, no daemon needed.

Each zygote runs as its own unprivileged uid (so process limits of one slot do not touch
another), in new user, PID, network, IPC, UTS and mount namespaces, with a read-only view
of ``/usr`` and nothing else of the host: no ``/home``, ``/root``, ``/work``, no data
sets and no caches (where expected outputs live). ``/tmp`` is a private size-limited
tmpfs, wiped by the zygote after every run. Address-space randomisation is off
(``setarch -R``) so that metered runs are repeatable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import SandboxError
from ..meter.base import Meter
from ..problem import EntryPoint
from ..settings import SandboxSettings
from .base import RunSpec
from .zygote import FdChannel, PooledSandbox, Zygote, ZygotePool

__all__ = ["EmbeddedSandbox", "default_python", "HARNESS_FILES"]

HARNESS_FILES = ("harness.py", "runner.py", "policy.py", "wire.py")
_HERE = Path(__file__).parent
_BASE_UID = 61000  # slot uids: 61000 + slot (plain), 61100 + slot (metering)

WARMUP = RunSpec(code="def f():\n    return 0\n", entry=EntryPoint(function="f"),
                 inputs=[{"args": []}], cpu_s=60.0, measure=True)


def default_python() -> str:
    """Debian's interpreter: world-readable, and the same one the sandbox image carries."""
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


class EmbeddedSandbox(PooledSandbox):
    name = "embedded"

    def __init__(self, settings: SandboxSettings, meter: Meter | None, extension: Path | None) -> None:
        self.settings = settings
        self.meter = meter
        self.meter_name = meter.name if meter else "none"
        self.python = settings.python
        self.image = f"embedded:{self.python}"
        if settings.isolation == "bwrap" and shutil.which("bwrap") is None:
            raise SandboxError("bubblewrap is not installed (apt-get install bubblewrap)")
        self._root = Path(tempfile.mkdtemp(prefix="reward-service-"))
        self._root.chmod(0o711)
        self._harness = self._root / "harness"
        self._harness.mkdir()
        for name in HARNESS_FILES:
            shutil.copy(_HERE / name, self._harness / name)
        if extension is not None:
            shutil.copy(extension, self._harness / "_rsmeter.so")
        for path in self._harness.iterdir():
            path.chmod(0o644)
        self._harness.chmod(0o755)
        limits = (settings.max_processes, settings.max_open_files, settings.max_output_bytes)
        self._plain = ZygotePool(lambda slot: self._start(slot, None), settings.concurrency, "plain",
                                 None, limits=limits)
        self._metered = (
            ZygotePool(lambda slot: self._start(slot, meter), settings.concurrency, meter.mode, meter,
                       warmup=WARMUP, wall_factor=1.5, limits=limits)
            if meter is not None else None
        )

    # ------------------------------------------------------------------ starting zygotes
    def _command(self, slot: int, meter: Meter | None, meter_dir: Path | None, scratch: Path) -> list[str]:
        mode = meter.mode if meter else "plain"
        prefix = meter.command_prefix("/meter" if self.settings.isolation == "bwrap" else str(meter_dir)) \
            if meter else []
        env = {
            "PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "RS_MODE": mode, "PYTHONDONTWRITEBYTECODE": "1", "RS_LAUNCHER": json.dumps(prefix),
        }
        python = [self.python, "-s", "-B"]
        setarch = [shutil.which("setarch") or "setarch", os.uname().machine, "-R"]
        if self.settings.isolation == "none":
            env.update(RS_SCRATCH=str(scratch), RS_METER_DIR=str(meter_dir or "/nonexistent"), RS_PIDNS="0")
            return ["env", "-i", *[f"{k}={v}" for k, v in env.items()], *setarch, *python,
                    str(self._harness / "harness.py")]
        env.update(RS_SCRATCH="/tmp", RS_METER_DIR="/meter", RS_PIDNS="1")
        cmd: list[str] = [*setarch]
        if os.geteuid() == 0:
            uid = _BASE_UID + (100 if meter else 0) + slot
            cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        cmd += [
            "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
            "--ro-bind-try", "/etc/localtime", "/etc/localtime",
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(self.settings.scratch_mb << 20), "--tmpfs", "/tmp",
            "--ro-bind", str(self._harness), "/opt/rs",
        ]
        if meter_dir is not None:
            cmd += ["--bind", str(meter_dir), "/meter"]
        cmd += ["--clearenv"]
        for k, v in env.items():
            cmd += ["--setenv", k, v]
        cmd += ["--chdir", "/tmp", "--", *python, "/opt/rs/harness.py"]
        return cmd

    def _start(self, slot: int, meter: Meter | None) -> Zygote:
        kind = f"{meter.mode if meter else 'plain'}-{slot}"
        meter_dir: Path | None = None
        scratch = self._root / f"scratch-{kind}"
        if meter is not None and meter.mode == "callgrind":
            meter_dir = self._root / f"meter-{kind}"
            shutil.rmtree(meter_dir, ignore_errors=True)
            meter_dir.mkdir(mode=0o700)
        if self.settings.isolation == "none":
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir(mode=0o700)
        if os.geteuid() == 0 and self.settings.isolation == "bwrap" and meter_dir is not None:
            uid = _BASE_UID + (100 if meter else 0) + slot
            os.chown(meter_dir, uid, uid)
        log = open(self._root / f"zygote-{kind}.log", "ab")  # noqa: SIM115 - lives with the process
        try:
            proc = subprocess.Popen(
                self._command(slot, meter, meter_dir, scratch),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            log.close()
            raise SandboxError(f"cannot start the sandbox: {exc}") from exc
        assert proc.stdin is not None and proc.stdout is not None

        def kill() -> None:
            try:
                os.killpg(proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
            log.close()

        channel = FdChannel(proc.stdin.fileno(), proc.stdout.fileno(), lambda: proc.poll() is None,
                            kill, meter_dir)
        try:
            return Zygote(channel, meter)
        except SandboxError as exc:
            channel.kill()
            tail = (self._root / f"zygote-{kind}.log").read_text(errors="replace")[-800:]
            raise SandboxError(f"sandbox failed to start: {exc}; {tail}") from exc

    # ------------------------------------------------------------------ interface
    def close(self) -> None:
        self._close_pools()
        shutil.rmtree(self._root, ignore_errors=True)
