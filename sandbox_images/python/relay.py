"""In-container relay between the host's zygote protocol and the harness (standard library only).

The container's main process. It starts the harness (``/opt/rs/harness.py``), passes the
host's frames to it unchanged, and passes its answers back, adding to each run report the
callgrind count of that run, read here, inside the container:

    report["rs_callgrind"] = {"total": N, "files": k}  or  {"error": "..."}

Every ``callgrind.out.<pid>`` in the meter directory except the template's own is summed
and deleted. This keeps count files inside the container (a tmpfs), so the host needs no
shared directory, no bind mount of host paths (which a worker running in a container could
not name), and no read access to files the sandbox user owns.

Frames: 4-byte big-endian length, then UTF-8 JSON (see reward_service/sandbox/zygote.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading

HARNESS = os.environ.get("RS_HARNESS", "/opt/rs/harness.py")
METER_DIR = os.environ.get("RS_METER_DIR", "/meter")
MODE = os.environ.get("RS_MODE", "plain")
_HDR = struct.Struct(">I")
_FILE = re.compile(r"^callgrind\.out\.(\d+)$")
_SUMMARY = re.compile(rb"^(?:summary|totals):\s*(\d+)", re.MULTILINE)
MAX_FRAME = 300 << 20


def _read_exact(stream, n: int) -> bytes:  # type: ignore[no-untyped-def]
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def collect(template_pid: int) -> dict[str, object]:
    total, files, errors = 0, 0, []
    try:
        names = sorted(os.listdir(METER_DIR))
    except OSError as exc:
        return {"error": f"meter directory: {exc}"}
    for name in names:
        m = _FILE.match(name)
        if m is not None and int(m.group(1)) == template_pid:
            continue
        path = os.path.join(METER_DIR, name)
        try:
            if m is None or os.path.islink(path) or not os.path.isfile(path):
                # only callgrind writes here: anything else means the directory was tampered with
                errors.append(f"unexpected entry {name[:60]!r} in the meter directory")
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            found = _SUMMARY.search(data)
            if found is None:
                errors.append(f"{name}: no summary line")
            else:
                total += int(found.group(1))
                files += 1
        except OSError as exc:
            errors.append(f"{name}: {exc}")
        finally:
            _remove(path)
    if errors:
        return {"error": "; ".join(errors)[:500]}
    if files == 0:
        return {"error": "no count file was written"}
    return {"total": total, "files": files}


def _remove(path: str) -> None:
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def main() -> int:
    proc = subprocess.Popen(
        [sys.executable, "-s", "-B", HARNESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    host_in, host_out = sys.stdin.buffer, sys.stdout.buffer

    def forward() -> None:  # host -> harness, byte for byte
        try:
            while True:
                chunk = host_in.read1(1 << 16)
                if not chunk:
                    break
                proc.stdin.write(chunk)
                proc.stdin.flush()
        except OSError:
            pass
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    threading.Thread(target=forward, daemon=True).start()
    template_pid = -1
    try:
        while True:
            (n,) = _HDR.unpack(_read_exact(proc.stdout, 4))
            if n > MAX_FRAME:
                break
            raw = _read_exact(proc.stdout, n)
            if MODE == "callgrind":
                frame = json.loads(raw)
                if frame.get("hello"):
                    template_pid = int(frame.get("pid", -1))
                elif "id" in frame:
                    frame["rs_callgrind"] = collect(template_pid)
                raw = json.dumps(frame, separators=(",", ":")).encode()
            host_out.write(_HDR.pack(len(raw)) + raw)
            host_out.flush()
    except (EOFError, OSError, ValueError):
        pass
    proc.kill()
    proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
