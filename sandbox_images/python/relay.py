"""In-container relay between the host's zygote protocol and the harness (standard library only).

The container's main process (PID 1: no init process holds the container's stdio). It
makes itself non-dumpable first, so no process of the container can reach its descriptors
(the host's stream) or memory through /proc, starts the harness (``/opt/rs/harness.py``)
in the container's explicit environment and passes frames between the host and it
unchanged, a chunk at a time (its memory does not grow with a frame), checking only their
length (``protocol.py``: the same framing, limits and count collection as the embedded
backend; the zygote reads each run's count inside the container).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from protocol import HDR, MAX_FRAME  # noqa: E402

try:
    import _rsmeter  # noqa: E402

    _rsmeter.set_undumpable()
except ImportError:  # pragma: no cover - the image always carries it
    sys.exit("relay: the sandbox's native helper is missing")

HARNESS = os.environ.get("RS_HARNESS", "/opt/rs/harness.py")


def _read_exact(stream, n: int) -> bytes:  # type: ignore[no-untyped-def]
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def main() -> int:
    # the container's environment is already explicit (the backend's zygote_environment)
    proc = subprocess.Popen(
        [sys.executable, "-s", "-B", HARNESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
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
    try:
        while True:
            head = _read_exact(proc.stdout, 4)
            (n,) = HDR.unpack(head)
            if n > MAX_FRAME + (1 << 20):
                break
            host_out.write(head)
            while n:  # a chunk at a time: a report can be a good part of the frame limit
                chunk = proc.stdout.read1(min(n, 1 << 16))
                if not chunk:
                    raise EOFError
                host_out.write(chunk)
                n -= len(chunk)
            host_out.flush()
    except (EOFError, OSError, ValueError):
        pass
    proc.kill()
    proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
