"""The rules a run lives by inside the sandbox (standard library only).

The rules are an audit hook written in C, in the sandbox's native helper (``_rsmeter``):
a hook written in Python can be neutered by the code it polices, which can rebind the
hook's module globals, its closure cells, the builtins and the standard-library functions
it calls. The C hook holds no Python state and calls no Python code. It refuses native code
(ctypes, cffi, the helper itself, extension modules from outside the interpreter's tree),
running programs, signalling other processes, the meter's directory, other processes'
/proc entries, writing outside the scratch directory, opening directories outside it, and
path arguments that are not plain str or bytes.

The namespaces, the read-only file system and the rlimits are the outer walls; this keeps a
candidate from reaching the count or the result channel through Python. Without the
helper there is no policy, so no candidate runs: the sandbox fails closed.

This module is imported by the in-sandbox harness, so it must not import the package.
"""

from __future__ import annotations

import os
import sys

__all__ = ["PolicyViolation", "install_policy"]

try:
    import _rsmeter  # type: ignore[import-not-found]

    PolicyViolation: type[PermissionError] = _rsmeter.PolicyViolation
except ImportError:  # pragma: no cover - the image and the embedded backend always carry it
    _rsmeter = None

    class PolicyViolation(PermissionError):  # type: ignore[no-redef]
        """The candidate did something the sandbox forbids."""


# Extension modules load only from the interpreter's own (read-only) tree.
NATIVE_ROOT = os.path.realpath(sys.base_prefix)


def install_policy(scratch: str, meter_dir: str) -> None:
    """Install the audit hook (once per process; no later Python code can remove it)."""
    if _rsmeter is None:
        raise RuntimeError("the sandbox's native helper (_rsmeter) is missing: no policy, no run")
    _rsmeter.install_policy(scratch, meter_dir, NATIVE_ROOT)
