"""The rules a run lives by inside the sandbox: an audit hook (standard library only).

Installed by the harness in each run's process just before the candidate's code, it cannot
be removed by later Python code (PEP 578). It refuses native code (ctypes, cffi, the meter
helper), running programs, signalling other processes, touching files outside the scratch
directory, and any access to the meter's directory or to other processes' /proc entries.
The namespaces, the read-only file system and the rlimits around it are the outer walls;
this keeps a candidate from reaching the count or the result channel through Python.

This module is imported by the in-sandbox harness, so it must not import the package.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["PolicyViolation", "install_policy"]

_DENIED_MODULES = frozenset({"ctypes", "_ctypes", "cffi", "_cffi_backend", "_rsmeter", "_posixsubprocess"})
_DENIED_EVENTS = frozenset(
    {
        "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.startfile", "subprocess.Popen",
        "os.kill", "os.killpg", "signal.pthread_kill", "sys.addaudithook", "os.fork_exec",
        "os.chroot", "os.setuid", "os.setgid", "os.setsid", "os.setpgid", "sys.remote_exec",
        "os.link", "os.symlink", "os.chown", "os.lchown", "os.chflags", "os.lchflags",
        "fcntl.ioctl", "os.mknod", "os.mkfifo",
    }
)
_PATH_EVENTS = {
    "open": 0, "os.remove": 0, "os.rename": 0, "os.replace": 0, "os.rmdir": 0, "os.mkdir": 0,
    "os.listdir": 0, "os.scandir": 0, "os.chmod": 0, "os.truncate": 0, "os.utime": 0,
    "shutil.rmtree": 0, "shutil.copyfile": 1, "shutil.move": 1, "os.walk": 0,
}
_WRITE_EVENTS = {"os.remove", "os.rename", "os.replace", "os.rmdir", "os.mkdir", "os.chmod",
                 "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move"}


class PolicyViolation(PermissionError):
    """The candidate did something the sandbox forbids."""


def install_policy(scratch: str, meter_dir: str) -> None:
    """An audit hook, which no later Python code can remove, enforcing the child's rules."""
    realpath = os.path.realpath
    scratch_prefix = realpath(scratch).rstrip("/") + "/"
    meter_prefix = realpath(meter_dir).rstrip("/") + "/"
    fspath = os.fspath
    self_pid = str(os.getpid())

    def in_dir(path: str, prefix: str) -> bool:
        return (path.rstrip("/") + "/").startswith(prefix)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in _DENIED_EVENTS or event.startswith("ctypes.") or event.startswith("cffi"):
            raise PolicyViolation(f"sandbox policy: {event} is not allowed")
        if event == "import":
            name = args[0]
            if isinstance(name, str) and name.split(".")[0] in _DENIED_MODULES:
                raise PolicyViolation(f"sandbox policy: importing {name} is not allowed")
            filename = args[1] if len(args) > 1 else None
            if isinstance(filename, str) and in_dir(realpath(filename), scratch_prefix):
                raise PolicyViolation("sandbox policy: importing from the scratch directory is not allowed")
            return
        pos = _PATH_EVENTS.get(event)
        if pos is None or len(args) <= pos:
            return
        target = args[pos]
        if isinstance(target, int):  # an open descriptor (os.listdir(fd), open(fd))
            return
        try:
            path = realpath(fspath(target))
        except (TypeError, ValueError):
            return
        if in_dir(path, meter_prefix):
            raise PolicyViolation("sandbox policy: the meter's files are out of bounds")
        if path.startswith("/proc/") and not (
            path.startswith("/proc/self/") or path.startswith(f"/proc/{self_pid}/")
        ):
            raise PolicyViolation("sandbox policy: other processes are out of bounds")
        writing = event in _WRITE_EVENTS
        if event == "open" and len(args) > 1:
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC) != 0
            )
        if writing and not in_dir(path, scratch_prefix) and path not in ("/dev/null",):
            raise PolicyViolation(f"sandbox policy: writing outside {scratch} is not allowed")

    sys.addaudithook(hook)
