"""The in-sandbox harness: a zygote that forks one fresh process per run (standard library only).

    host (trusted)  --frames on stdin/stdout-->  zygote (sandbox, maybe under valgrind)
                                                   └─ fork → run child: builds its input,
                                                      starts the meter, runs the candidate,
                                                      writes one result frame, exits

The zygote never runs candidate code. Each child is a fresh fork of a zygote that is in
the same state for every run, so nothing a candidate computes (``lru_cache``, globals,
files in the scratch directory, processes left behind) reaches the next run: the zygote
wipes the scratch directory and kills every leftover process in its PID namespace after
each run.

A child reports only the candidate's *outputs* (tagged JSON). Expected outputs never enter
the sandbox; the host compares. Before the candidate runs, the child closes every
descriptor but its result pipe, sets its rlimits, and installs an audit hook that refuses
native code (ctypes, cffi), running programs, signalling other processes, touching files
outside the scratch directory, and reading the meter's directory.

Frames: 4-byte big-endian length, then UTF-8 JSON.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import resource
import select
import signal
import struct
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import wire  # type: ignore[import-not-found,unused-ignore]  # noqa: E402  (sibling: the harness runs as a script)
from runner import (  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
    _HDR,
    MAX_FRAME,
    MODE,
    SCRATCH,
    _encode_snapshot,
    _read_exact,
    _rsmeter,
    _snapshot,
    _vm_size,
    read_frame,
    run_child,
    write_frame,
)

# ---------------------------------------------------------------- the zygote
_STATUS = struct.Struct(">iiddqqqq")  # pid, wait status, utime, stime, maxrss, leftovers, count, errno
REQUEST_FILE = ".rs-request.json"
_TEMPLATE_FDS: list[int] = []


def _wipe(path: str) -> None:
    for entry in os.scandir(path):
        try:
            if entry.is_dir(follow_symlinks=False):
                _wipe(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            pass


def _ancestors() -> set[int]:
    keep = {1, os.getpid()}
    pid = os.getpid()
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        keep.add(pid)
    return keep


def _kill_leftovers(child: int, keep: set[int]) -> int:
    """Kill every process the run left behind; returns how many there were.

    In a PID namespace of our own (bubblewrap, a container) that is every process but the
    zygote's; elsewhere it is the child's process group.
    """
    killed = 0
    if os.environ.get("RS_PIDNS") == "1":
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in keep:
                try:
                    os.kill(int(name), signal.SIGKILL)
                    killed += 1
                except (ProcessLookupError, PermissionError):
                    pass
    else:
        try:
            os.killpg(child, signal.SIGKILL)
            killed = 1
        except (ProcessLookupError, PermissionError):
            pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG if not killed else 0)[0] == 0:
                break
        except ChildProcessError:
            break
    return killed


def _child(result_w: int, ready_w: int | None, go_r: int | None) -> None:
    """First steps of a fresh run process: take the request, shed the zygote's descriptors."""
    try:
        os.setpgid(0, 0)
        path = os.path.join(SCRATCH, REQUEST_FILE)
        with open(path, "rb") as fh:
            req = json.loads(fh.read())
        os.unlink(path)
        keep: set[int] = {result_w} | {fd for fd in (ready_w, go_r) if fd is not None}
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(os.path.join(SCRATCH, ".stdout"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        for fd in _TEMPLATE_FDS:  # what the template holds: listed once, at its start
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        run_child(req, result_w, ready_w, go_r)
    except BaseException:  # noqa: BLE001 - report the harness's own failure
        import traceback

        try:
            write_frame(result_w, {"harness_error": traceback.format_exc()[-600:]})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(4)


_WARM_CODE = """
import math
class Solution:
    def f(self, x, y=None):
        return [x, (x, str(x)), {x: [x] * 3}, {x}, float(x) / 3, math.sqrt(abs(x)), sorted([x, -x])]
def f(x, y=None):
    return Solution().f(x, y)
"""


def _warm() -> None:
    """Run a child's code paths once in the template, before it forks anything.

    Under valgrind every code path is translated on first use, and translations made in a
    child die with it. Paths the template has run are inherited by every child instead:
    this takes a metered no-op run from ~200 ms to a fraction of that.
    """
    req = json.loads(json.dumps({"code": _WARM_CODE, "inputs": [{"args": [i], "kwargs": {}} for i in range(30)]}))
    code = compile(req["code"], "<warm>", "exec", dont_inherit=True)
    for _ in range(3):
        ns: dict[str, Any] = {"__name__": "__warm__"}
        exec(code, ns)
        outs = []
        snaps = []
        for item in req["inputs"]:
            value = ns["f"](*item["args"], **item["kwargs"])
            outs.append(wire.encode(value))
            if _rsmeter is not None:
                snaps.append(_snapshot(value, marshal.dumps, wire.dumps_output))
        _HDR.pack(len(marshal.dumps(snaps, 2)))
        payload = json.dumps({"status": "ok", "outputs": outs}, separators=(",", ":")).encode()
        _HDR.pack(len(payload))
        path = os.path.join(SCRATCH, ".rs-warm")
        with open(path, "wb") as fh:
            fh.write(payload)
        with open(path, "rb") as fh:
            json.loads(fh.read())
        os.unlink(path)
        os.path.realpath(path)
        str(RecursionError("x"))[:200]
        os.listdir("/proc/self/fd")
        _vm_size()
        for which in (resource.RLIMIT_CPU, resource.RLIMIT_NOFILE, resource.RLIMIT_FSIZE, resource.RLIMIT_CORE,
                      resource.RLIMIT_NPROC, resource.RLIMIT_AS):
            resource.setrlimit(which, resource.getrlimit(which))  # same values: a no-op that warms the path


def template(trig_r: int, resp_w: int, result_w: int, ready: tuple[int, int] | None,
             go: tuple[int, int] | None) -> None:
    """The template process: forks one run at a time and reports how it ended.

    It does the same work for every run, so every run starts from the same heap state
    (callgrind counts move by ~2% with the heap state): byte-identical runs for every
    candidate of a group.
    """
    keep = _ancestors()
    if _rsmeter is not None:
        _rsmeter.set_subreaper()
    read, write, fork, wait4, pack = os.read, os.write, os.fork, os.wait4, _STATUS.pack
    _warm()
    # Every descriptor a run must not keep (valgrind's own sit above 1024 and are refused).
    _TEMPLATE_FDS.extend(fd for fd in map(int, os.listdir("/proc/self/fd")) if 2 < fd < 1024)
    gc.collect()
    gc.freeze()
    if MODE == "callgrind" and _rsmeter is not None:
        _rsmeter.quiet()
    while True:
        if not read(trig_r, 1):
            os._exit(0)
        pid = fork()
        if pid == 0:
            _child(result_w, ready[1] if ready else None, go[0] if go else None)
        write(resp_w, pack(pid, 0, 0.0, 0.0, 0, 0, -1, 0))
        counter, count, err = -1, -1, 0
        if ready is not None and go is not None and _rsmeter is not None:
            if read(ready[0], 1) == b"R":
                try:
                    counter = _rsmeter.perf_open(pid)
                    _rsmeter.perf_enable(counter)
                except OSError as exc:
                    err = exc.errno or -1
            write(go[1], b"G")
        _, status, ru = wait4(pid, 0)
        left = _kill_leftovers(pid, keep)
        if counter >= 0:
            try:
                count = _rsmeter.perf_read(counter)
            except OSError as exc:
                err = exc.errno or -1
            os.close(counter)
        write(resp_w, pack(pid, status, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, left, count, err))


def _unframe(data: bytes) -> Any:
    """The child's one result frame, or None if it is missing or anything else was written.

    A metered run's frame is ``M`` + the marshal of its output snapshots (see
    ``runner.run_child``); anything else is JSON.
    """
    if len(data) < 4:
        return None
    (n,) = _HDR.unpack(data[:4])
    if n != len(data) - 4:
        return None
    body = data[4:]
    if body[:1] == b"M":
        return _decode_snapshots(body[1:])
    try:
        obj = json.loads(body)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def _decode_snapshots(body: bytes) -> dict[str, Any] | None:
    """A metered run's snapshots as a JSON result, decoded in a throwaway process.

    The bytes come from a process the candidate controlled, so they are decoded where a
    malformed frame can only fail this run: a forked copy of the zygote, at native speed.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the fork
        code = 1
        try:
            os.close(r)
            items = marshal.loads(body)
            if type(items) is not list:
                raise ValueError("not a list")
            outs = []
            for item in items:
                if type(item) is not tuple or len(item) != 2 or type(item[0]) is not str:
                    raise ValueError("not a snapshot")
                text = _encode_snapshot(item)
                if item[0] == "J":
                    json.loads(text)  # encoded inside the run: it must at least be one JSON value
                outs.append(text)
            payload = ('{"status":"ok","outputs":[' + ",".join(outs) + "]}").encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view):]
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    with os.fdopen(r, "rb") as fh:
        chunks.append(fh.read())
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        obj = json.loads(b"".join(chunks))
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def _drain(fd: int, buf: bytearray, limit: int) -> bool:
    """Read what is buffered in ``fd`` (non-blocking). False once past ``limit``."""
    while True:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            return True
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return True
        buf += chunk
        if len(buf) > limit:
            return False


def serve(ctl_in: int, ctl_out: int) -> None:
    """The zygote proper: runs natively, starts the template (under the meter's launcher)."""
    perf = MODE == "perf" and _rsmeter is not None
    trig_r, trig_w = os.pipe()
    resp_r, resp_w = os.pipe()
    result_r, result_w = os.pipe()
    ready = os.pipe() if perf else None
    go = os.pipe() if perf else None
    launcher = json.loads(os.environ.get("RS_LAUNCHER", "[]"))
    fds = [trig_r, resp_w, result_w, *(ready or (-1, -1)), *(go or (-1, -1))]
    import subprocess

    template_proc = subprocess.Popen(
        [*launcher, sys.executable, "-s", "-B", os.path.abspath(__file__), "template", *map(str, fds)],
        pass_fds=[fd for fd in fds if fd >= 0], stdin=subprocess.DEVNULL,
    )
    for fd in (trig_r, resp_w, result_w):
        os.close(fd)
    write_frame(ctl_out, {"hello": True, "pid": template_proc.pid, "zygote_pid": os.getpid(), "mode": MODE})
    while True:
        try:
            req = read_frame(ctl_in)
        except EOFError:
            break
        if req.get("op") == "exit":
            break
        write_frame(ctl_out, run_once(req, trig_w, resp_r, result_r))
    os.close(trig_w)
    template_proc.wait()


def run_once(req: dict[str, Any], trig_w: int, resp_r: int, result_r: int) -> dict[str, Any]:
    _wipe(SCRATCH)
    with open(os.path.join(SCRATCH, REQUEST_FILE), "w") as fh:
        json.dump(req, fh)
    started = time.monotonic()
    deadline = started + float(req["limits"]["wall_s"])
    os.write(trig_w, b"x")
    first = _read_exact(resp_r, _STATUS.size)
    pid = _STATUS.unpack(first)[0]
    buf = bytearray()
    frame_limit = int(req["limits"].get("fsize") or MAX_FRAME) + 4096
    limit: str | None = None
    killed = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0 and not killed:
            limit, killed = "wall", True
            os.kill(pid, signal.SIGKILL)
        ready, _, _ = select.select([resp_r, result_r], [], [], max(left, 0.05) if not killed else 1.0)
        if result_r in ready and limit != "output":
            if not _drain(result_r, buf, frame_limit) and not killed:
                limit, killed = "output", True
                os.kill(pid, signal.SIGKILL)
        if resp_r in ready:
            break
    status_bytes = _read_exact(resp_r, _STATUS.size)
    _, status, utime, stime, maxrss, leftovers, count, err = _STATUS.unpack(status_bytes)
    if limit != "output" and not _drain(result_r, buf, frame_limit):
        limit = "output"
    report: dict[str, Any] = {
        "id": req.get("id"), "pid": pid, "wall_s": time.monotonic() - started,
        "cpu_s": utime + stime, "max_rss_kb": maxrss, "limit": limit, "leftovers": leftovers,
    }
    if os.WIFSIGNALED(status):
        report["signal"] = os.WTERMSIG(status)
    else:
        report["exit"] = os.WEXITSTATUS(status)
    data = bytes(buf)
    if MODE == "perf" and data[:1] == b"R":
        data = data[1:]
    report["result"] = _unframe(data) if limit != "output" else None
    if count >= 0:
        report["instructions"] = count
    if err:
        report["meter_error"] = f"perf_event_open failed: errno {err}"
    try:
        with open(os.path.join(SCRATCH, ".stdout"), "rb") as fh:
            report["stdout_tail"] = fh.read(2000).decode("utf-8", "replace")
    except OSError:
        report["stdout_tail"] = ""
    return report


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "template":
        t_r, r_w, res_w, rd_r, rd_w, g_r, g_w = (int(x) for x in sys.argv[2:9])
        template(t_r, r_w, res_w, (rd_r, rd_w) if rd_r >= 0 else None, (g_r, g_w) if g_r >= 0 else None)
        sys.exit(0)
    # Keep the control channel off fds 0/1 so a stray print cannot corrupt it.
    ctl_in, ctl_out = os.dup(0), os.dup(1)
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    serve(ctl_in, ctl_out)
