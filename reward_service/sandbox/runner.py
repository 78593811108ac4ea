"""One run, inside its fresh process: build the input, run the candidate, report (stdlib only).

The harness's zygote forks a process per run and calls :func:`run_child` in it. Before the
candidate's code, the run sets its rlimits and installs the audit-hook policy
(``policy.py``); the meter counts from ``_rsmeter.start()`` to ``_rsmeter.stop()``: the
candidate's module, its calls, and a snapshot of its outputs that nothing can change later.
The Python-speed JSON encoding happens after the count.

Frames: 4-byte big-endian length, then UTF-8 JSON. This module is imported by the
in-sandbox harness, so it must not import the package.
"""

from __future__ import annotations

import json
import marshal
import os
import resource
import struct
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import wire  # type: ignore[import-not-found,unused-ignore]  # noqa: E402  (sibling: runs as a script)
from policy import PolicyViolation, install_policy  # type: ignore[import-not-found,unused-ignore]  # noqa: E402

try:  # the meter's native helper; absent only for correctness-only sandboxes
    import _rsmeter  # type: ignore[import-not-found]  # noqa: E402
except ImportError:  # pragma: no cover - depends on the image
    _rsmeter = None

SCRATCH = os.environ.get("RS_SCRATCH", "/tmp")
METER_DIR = os.environ.get("RS_METER_DIR", "/meter")
MODE = os.environ.get("RS_MODE", "plain")  # plain | callgrind | perf
_HDR = struct.Struct(">I")
MAX_FRAME = 256 << 20


# ---------------------------------------------------------------- framing
def _read_exact(fd: int, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def read_frame(fd: int) -> Any:
    (n,) = _HDR.unpack(_read_exact(fd, 4))
    if n > MAX_FRAME:
        raise ValueError("frame too large")
    return json.loads(_read_exact(fd, n))


def write_frame(fd: int, obj: Any) -> None:
    data = json.dumps(obj, separators=(",", ":")).encode()
    view = memoryview(_HDR.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


# ---------------------------------------------------------------- running a candidate
def _limits(lim: dict[str, Any]) -> None:
    def cap(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except ValueError:  # valgrind reports its own reserved limits; lower the soft one
            resource.setrlimit(which, (min(value, soft) if soft != resource.RLIM_INFINITY else value, hard))

    cpu = max(1, int(lim["cpu_s"] + 0.999))
    soft_cpu, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1 if hard_cpu == resource.RLIM_INFINITY else hard_cpu))
    if lim.get("memory_mb"):
        budget = int(lim["memory_mb"]) << 20
        if MODE == "callgrind":  # valgrind's own mappings are already there: limit the growth
            budget += _vm_size()
        cap(resource.RLIMIT_AS, budget)
    cap(resource.RLIMIT_NOFILE, int(lim["nofile"]))
    cap(resource.RLIMIT_FSIZE, int(lim["fsize"]))
    cap(resource.RLIMIT_CORE, 0)
    if lim.get("nproc"):
        cap(resource.RLIMIT_NPROC, int(lim["nproc"]))


def _vm_size() -> int:
    """This process's address-space size in bytes (VmSize)."""
    with open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"VmSize:"):
                return int(line.split()[1]) << 10
    return 0


def _build_inputs(req: dict[str, Any], ns: dict[str, Any]) -> list[tuple[list[Any], dict[str, Any]]]:
    out: list[tuple[list[Any], dict[str, Any]]] = []
    gen = req.get("generator")
    if gen:
        gns: dict[str, Any] = {"__name__": "__generator__"}
        exec(compile(gen, "<generator>", "exec"), gns)  # trusted source
        made = gns["generate"](int(req["scale"]), int(req["seed"]))
        out.append((list(made.get("args", [])), dict(made.get("kwargs", {}))))
        return out
    for item in req["inputs"]:
        if item.get("expr"):
            args, kwargs = eval(item["expr"], ns)  # trusted expression, evaluated after setup
            out.append((list(args), dict(kwargs)))
        else:
            out.append((list(item.get("args", [])), dict(item.get("kwargs", {}))))
    return out


_SCALARS = frozenset({int, float, str, bool, type(None), bytes, complex})
_SEQUENCES: dict[type, str] = {list: "L", tuple: "T", set: "S", frozenset: "F"}


def _snapshot(value: Any, mdumps: Any, dumps: Any) -> tuple[str, Any]:
    """Inside the counted region: a copy of an output that no code can change afterwards.

    A sequence or set of immutable scalars is copied shallowly (C speed); anything else is
    copied deeply by marshal, which refuses subclasses (so no candidate code runs in it
    uncounted later); what marshal refuses is encoded to JSON here, inside the region.
    """
    t = type(value)
    if t in _SCALARS:
        return ("V", value)
    tag = _SEQUENCES.get(t)
    if tag is not None and _rsmeter.is_plain(value):
        return (tag, tuple(value))
    try:
        return ("M", mdumps(value, 2))
    except ValueError:
        return ("J", dumps(value))


def _encode_snapshot(snap: tuple[str, Any]) -> str:
    """After the region: the snapshot as wire JSON (builtin types only, no candidate code)."""
    tag, body = snap
    if tag == "J":
        return str(body)
    if tag == "M":
        return str(wire.dumps_output(marshal.loads(body)))
    if tag == "V":
        return str(wire.dumps_output(body))
    kind = {"L": list, "T": tuple, "S": set, "F": frozenset}[tag]
    return str(wire.dumps_output(kind(body)))


def _exc_name(exc: BaseException) -> str:
    return type(exc).__name__[:80]


def run_child(req: dict[str, Any], result_fd: int, ready_fd: int | None, go_fd: int | None) -> None:
    """Runs in the forked child. Never returns: exits the process."""
    exit_ = os._exit
    write = os.write
    try:
        os.chdir(SCRATCH)
        setup_ns: dict[str, Any] = {"__name__": "__setup__", "__builtins__": __builtins__}
        if req.get("setup"):
            exec(compile(req["setup"], "<setup>", "exec"), setup_ns)  # trusted
        calls = _build_inputs(req, setup_ns)
        encoder = None
        if req.get("output_encoder"):
            enc_ns: dict[str, Any] = dict(setup_ns)
            exec(compile(req["output_encoder"], "<encoder>", "exec"), enc_ns)  # trusted
            encoder = enc_ns["encode"]
        code = compile(req["code"], "<candidate>", "exec", dont_inherit=True)
    except BaseException as exc:  # noqa: BLE001 - harness failure: the host maps it
        write_frame(result_fd, {"harness_error": f"{_exc_name(exc)}: {str(exc)[:300]}"})
        exit_(0)
    entry = req["entry"]
    _limits(req["limits"])
    install_policy(SCRATCH, METER_DIR)
    if ready_fd is not None and go_fd is not None:  # hardware counters: enabled for this pid now
        write(ready_fd, b"R")
        os.read(go_fd, 1)
        os.close(go_fd)
        os.close(ready_fd)
    if MODE == "callgrind" and _rsmeter is not None:
        _rsmeter.start()
    # ---- measured region: the candidate's module, its calls, and copying its outputs out.
    # Metered runs copy outputs with marshal (C speed, and it refuses every subclass, so no
    # candidate code can run in it) and stop counting before the Python-speed JSON encoding,
    # which would otherwise weigh the same on every correct candidate and blur the contrast.
    # Outputs marshal refuses are encoded inside the region (a subclass's methods run there).
    #
    # After stop() nothing the candidate could have rebound may run: it can rebind any
    # module global or builtin (this module's, wire's, builtins.str), and code run after
    # the count would be free work. So everything the tail needs is taken now, as locals,
    # and the tail only calls C functions: the snapshots go out as one marshal frame, and
    # the zygote (a process the candidate never ran in) turns them into wire JSON.
    metered = MODE == "callgrind" and _rsmeter is not None
    stop = _rsmeter.stop if metered else None
    dumps, mdumps, pack, length, view_of = wire.dumps_output, marshal.dumps, _HDR.pack, len, memoryview
    results: list[Any] = []
    status = "ok"
    detail: dict[str, Any] = {}
    try:
        ns: dict[str, Any] = dict(setup_ns)
        ns["__name__"] = "__candidate__"
        exec(code, ns)
        owner = ns.get(entry["class_name"] or entry["function"])
        if owner is None:
            raise NameError(f"name {entry['class_name'] or entry['function']!r} is not defined")
        fn = getattr(owner(), entry["function"]) if entry["class_name"] else owner
        for index, (args, kwargs) in enumerate(calls):
            detail["index"] = index
            value = fn(*args, **kwargs)
            if encoder is not None:
                value = encoder(value)
            if metered:
                results.append(_snapshot(value, mdumps, dumps))
            else:  # encode each output at once and drop it: a suite of large outputs stays small
                results.append(dumps(value))
            del value
        if stop is not None:
            try:
                stop()
            except PermissionError as exc:
                raise PolicyViolation("sandbox policy: the meter was stopped early") from exc
            data = b"M" + mdumps(results, 2)
            frame = view_of(pack(length(data)) + data)
            while frame:
                frame = frame[write(result_fd, frame):]
            exit_(0)
        payload = '{"status":"ok","outputs":[' + ",".join(results) + "]}"
    except MemoryError:
        status = "memory"
    except OSError as exc:
        if exc.errno in (27, 28):  # EFBIG past RLIMIT_FSIZE (SIGXFSZ is ignored), ENOSPC in scratch
            status = "output"
        else:
            status, detail["exception"], detail["message"] = "error", _exc_name(exc), str(exc)[:200]
    except RecursionError as exc:
        status, detail["exception"], detail["message"] = "error", "RecursionError", str(exc)[:200]
    except BaseException as exc:  # noqa: BLE001 - the candidate raised (SystemExit included)
        status, detail["exception"] = "error", _exc_name(exc)
        try:
            detail["message"] = str(exc)[:200]
        except BaseException:  # noqa: BLE001 - a hostile __str__
            detail["message"] = ""
    if status != "ok":
        payload = json.dumps({"status": status, "outputs": [], **detail}, default=str)
    data = payload.encode()
    try:
        write_frame_bytes(result_fd, data)
    except BaseException:  # noqa: BLE001
        exit_(3)
    exit_(0)


def write_frame_bytes(fd: int, data: bytes) -> None:
    view = memoryview(_HDR.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]
