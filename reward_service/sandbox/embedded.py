"""The embedded sandbox: zygotes in bubblewrap namespaces on this host, no daemon needed.

Each zygote runs as its own unprivileged uid (so process limits of one slot do not touch
another), in new user, PID, network, IPC, UTS and mount namespaces, with a read-only view
of ``/usr`` and nothing else of the host: no ``/home``, ``/root``, ``/work``, no data
sets and no caches (where expected outputs live). ``/tmp`` is a private size-limited
tmpfs, wiped by the zygote after every run, and the only writable place: the root and
``/dev`` (with ``/dev/shm``) are remounted read-only, and the zygote refuses to start if it
finds any other place it could write. Every process starts with an explicit minimal
environment (bubblewrap's own included), so no host secret is in the sandbox. Callgrind's
count files are written into the scratch directory and read by the zygote. Address-space
randomisation is off (``setarch -R``) so that metered runs are repeatable.
"""

from __future__ import annotations

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
from .zygote import FdChannel, PooledSandbox, Zygote, ZygotePool, slot_uid, zygote_environment

__all__ = ["EmbeddedSandbox", "default_python", "HARNESS_FILES"]

HARNESS_FILES = ("harness.py", "runner.py", "policy.py", "wire.py", "protocol.py")
_HERE = Path(__file__).parent
_BASE_UID = 61000  # slot uids: 61000 + slot (plain), 61100 + slot (metering)

WARMUP = RunSpec(code="def f():\n    return 0\n", entry=EntryPoint(function="f"),
                 inputs=[{"args": []}], cpu_s=60.0, measure=True)


def default_python() -> str:
    """Debian's interpreter: world-readable, and the same one the sandbox image carries."""
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


class EmbeddedSandbox(PooledSandbox):
    name = "embedded"

    def __init__(self, settings: SandboxSettings, meter: Meter | None, extension: Path | None,
                 hash_seed: int = 0) -> None:
        self.settings = settings
        self.hash_seed = hash_seed
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
        for name, path in (meter.files() if meter is not None else {}).items():
            shutil.copy(path, self._harness / name)
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
    def _command(self, slot: int, meter: Meter | None, scratch: Path) -> tuple[list[str], dict[str, str]]:
        """The zygote's command line and the (whole, explicit) environment it starts with."""
        isolated = self.settings.isolation == "bwrap"
        scratch_in = "/tmp" if isolated else str(scratch)
        env = zygote_environment(meter, f"{scratch_in}/.rs-count", scratch_in, self.hash_seed, pidns=isolated,
                                 harness_dir="/opt/rs" if isolated else str(self._harness))
        python = [self.python, "-s", "-B"]
        setarch = [shutil.which("setarch") or "setarch", os.uname().machine, "-R"]
        if not isolated:
            return [*setarch, *python, str(self._harness / "harness.py")], env
        cmd: list[str] = [*setarch]
        if os.geteuid() == 0:
            uid = slot_uid(_BASE_UID, meter is not None, slot)
            cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        cmd += [
            # --as-pid-1: no bubblewrap init in the sandbox holding the host's pipes (the zygote,
            # non-dumpable, is PID 1)
            "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
            "--ro-bind-try", "/etc/localtime", "/etc/localtime",
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(self.settings.scratch_mb << 20), "--tmpfs", "/tmp",
            "--ro-bind", str(self._harness), "/opt/rs",
            "--remount-ro", "/dev", "--remount-ro", "/",
            "--clearenv",
        ]
        for k, v in env.items():
            cmd += ["--setenv", k, v]
        cmd += ["--chdir", "/tmp", "--", *python, "/opt/rs/harness.py"]
        return cmd, {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}

    def _start(self, slot: int, meter: Meter | None) -> Zygote:
        kind = f"{meter.mode if meter else 'plain'}-{slot}"
        scratch = self._root / f"scratch-{kind}"
        if self.settings.isolation == "none":
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir(mode=0o700)
        log = open(self._root / f"zygote-{kind}.log", "ab")  # noqa: SIM115 - lives with the process
        command, env = self._command(slot, meter, scratch)
        try:
            proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True,
                close_fds=True, env=env,
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

        channel = FdChannel(proc.stdin.fileno(), proc.stdout.fileno(), lambda: proc.poll() is None, kill)
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
