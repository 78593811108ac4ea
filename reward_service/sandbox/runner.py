"""One run, inside its fresh process: build the input, run the candidate, report (stdlib only).

The harness's zygote forks a process per run and calls :func:`run_child` in it. Before the
candidate's code, the run sets its rlimits and installs the audit-hook policy
(``policy.py``); the meter counts from ``_rsmeter.start()`` to ``_rsmeter.stop()``: the
candidate's module, its calls, and a snapshot of its outputs that nothing can change later.
After the count the run calls only C functions it took before the candidate ran; the
zygote turns the snapshots into JSON (:func:`load_snapshots`).

Frames: 4-byte big-endian length, then UTF-8 JSON, or ``M`` + marshal. This module is imported by the
in-sandbox harness, so it must not import the package.
"""

from __future__ import annotations

import json
import marshal
import os
import resource
import struct
import sys

TYPE_CHECKING = False  # typing is not imported at run time: the template stays small
if TYPE_CHECKING:
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
def _limit_values(lim: dict[str, Any], vm_size: int) -> tuple[int, list[tuple[int, int]]]:
    """The CPU seconds, and the (rlimit, value) caps, a run's limits ask for."""
    cpu = max(1, int(lim["cpu_s"] + 0.999))
    caps: list[tuple[int, int]] = []
    if lim.get("memory_mb"):
        budget = int(lim["memory_mb"]) << 20
        if MODE == "callgrind":  # valgrind's own mappings are already there: limit the growth
            budget += vm_size
        caps.append((resource.RLIMIT_AS, budget))
    caps += [(resource.RLIMIT_NOFILE, int(lim["nofile"])), (resource.RLIMIT_FSIZE, int(lim["fsize"])),
             (resource.RLIMIT_CORE, 0)]
    if lim.get("nproc"):
        caps.append((resource.RLIMIT_NPROC, int(lim["nproc"])))
    return cpu, caps


def _limits(lim: dict[str, Any], setrlimit: Any = resource.setrlimit) -> None:
    """Set a run's rlimits (``setrlimit`` is replaced only to warm this code in the template)."""
    cpu, caps = _limit_values(lim, _vm_size())
    soft_cpu, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1 if hard_cpu == resource.RLIM_INFINITY else hard_cpu))
    for which, value in caps:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            setrlimit(which, (value, value))
        except ValueError:  # valgrind reports its own reserved limits; lower the soft one
            setrlimit(which, (min(value, soft) if soft != resource.RLIM_INFINITY else value, hard))


def _vm_size() -> int:
    """This process's address-space size in bytes (the first field of /proc/self/statm)."""
    return int(read_file("/proc/self/statm").split(None, 1)[0]) * os.sysconf("SC_PAGE_SIZE")


def read_file(path: str) -> bytes:
    """A whole file, with plain descriptors (no io objects: cheaper under valgrind)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


# The sources a request carries, and the names they are compiled under. The candidate's
# code is compiled on its own; the trusted ones inherit this module's future flags.
_SOURCES = {"code": "<candidate>", "setup": "<setup>", "output_encoder": "<encoder>", "generator": "<generator>"}


def _compile(source: str, filename: str) -> Any:
    return compile(source, filename, "exec", dont_inherit=filename == "<candidate>")


def _code(source: Any, filename: str) -> Any:
    """A request's source as a code object: compiled already by the zygote, or now."""
    return _compile(source, filename) if type(source) is str else source


_COMPILED: dict[tuple[str, str], Any] = {}  # the zygote's recent compilations (code objects are immutable)


def compile_request(req: dict[str, Any]) -> dict[str, Any]:
    """The request with its sources compiled, by the zygote at native speed.

    Compiling a candidate under valgrind costs a metered run tens of milliseconds, and
    none of it is counted. A source that does not compile is left as it is: the run
    compiles it and reports the error as its own. A candidate's test run and its
    measured runs, and every run of a problem's setup code, compile once.
    """
    out = dict(req)
    for key, filename in _SOURCES.items():
        source = req.get(key)
        if type(source) is str and source:
            code = _COMPILED.get((filename, source))
            if code is None:
                try:
                    code = _compile(source, filename)
                except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                    continue
                if len(_COMPILED) >= 64:
                    _COMPILED.clear()
                _COMPILED[(filename, source)] = code
            out[key] = code
    return out


def _build_inputs(req: dict[str, Any], ns: dict[str, Any]) -> list[tuple[list[Any], dict[str, Any]]]:
    out: list[tuple[list[Any], dict[str, Any]]] = []
    gen = req.get("generator")
    if gen:
        gns: dict[str, Any] = {"__name__": "__generator__"}
        exec(_code(gen, "<generator>"), gns)  # trusted source
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
_SEQUENCE_KINDS: dict[str, type] = {tag: kind for kind, tag in _SEQUENCES.items()}


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


class _Reader:
    """A strict reader of the marshal (version 2) subset snapshots are made of.

    A metered run's snapshots come back as marshal bytes from a process the candidate
    controlled, so they are not given to ``marshal.loads`` (which builds code objects and
    is not meant for hostile input). This reads plain data only: None, bools, ints,
    floats, complex numbers, str, bytes, tuples, lists, sets, frozensets and dicts, with
    every length checked against the bytes that are there. Anything else is an error.
    """

    _I32 = struct.Struct("<i")
    _F64 = struct.Struct("<d")
    _C128 = struct.Struct("<dd")
    MAX_DEPTH = 900

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def _take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("truncated snapshot")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def _size(self) -> int:
        (n,) = self._I32.unpack(self._take(4))
        if n < 0 or n > len(self.data) - self.pos:  # every item takes at least one byte
            raise ValueError("bad length in snapshot")
        return int(n)

    def value(self, depth: int = 0) -> Any:
        if depth > self.MAX_DEPTH:
            raise ValueError("snapshot nested too deeply")
        code = bytes(self._take(1))
        if code == b"N":
            return None
        if code == b"T":
            return True
        if code == b"F":
            return False
        if code == b"i":
            return self._I32.unpack(self._take(4))[0]
        if code == b"l":
            (n,) = self._I32.unpack(self._take(4))
            digits = self._take(2 * abs(n))
            magnitude = 0
            for i in range(abs(n) - 1, -1, -1):
                digit = digits[2 * i] | (digits[2 * i + 1] << 8)
                if digit >= 1 << 15:
                    raise ValueError("bad digit in snapshot")
                magnitude = (magnitude << 15) | digit
            return -magnitude if n < 0 else magnitude
        if code == b"g":
            return self._F64.unpack(self._take(8))[0]
        if code == b"y":
            real, imag = self._C128.unpack(self._take(16))
            return complex(real, imag)
        if code in (b"u", b"t"):
            return str(self._take(self._size()), "utf-8", "surrogatepass")
        if code == b"s":
            return bytes(self._take(self._size()))
        if code in (b"(", b"[", b"<", b">"):
            items = [self.value(depth + 1) for _ in range(self._size())]
            if code == b"(":
                return tuple(items)
            if code == b"[":
                return items
            return set(items) if code == b"<" else frozenset(items)
        if code == b"{":
            out: dict[Any, Any] = {}
            while True:
                if self.pos < len(self.data) and self.data[self.pos] == ord("0"):
                    self.pos += 1
                    return out
                key = self.value(depth + 1)
                out[key] = self.value(depth + 1)
        raise ValueError(f"unexpected marshal type {code!r} in snapshot")


def load_snapshots(data: bytes) -> list[str]:
    """A metered run's marshal frame (see :func:`run_child`) as one wire JSON per output.

    Raises ValueError (or TypeError, for unhashable set members) if the frame is not what
    the harness writes: the run then counts as one that corrupted its result channel.
    """
    reader = _Reader(data)
    items = reader.value()
    if reader.pos != len(data) or type(items) is not list:
        raise ValueError("not a snapshot list")
    outs = []
    for item in items:
        if type(item) is not tuple or len(item) != 2 or item[0] not in ("V", "M", "J", *_SEQUENCE_KINDS):
            raise ValueError("not a snapshot")
        tag, body = item
        if tag == "J":  # encoded inside the run: it must at least be one JSON value
            if type(body) is not str:
                raise ValueError("not a snapshot")
            json.loads(body)
            outs.append(body)
            continue
        if tag == "M":
            if type(body) is not bytes:
                raise ValueError("not a snapshot")
            sub = _Reader(body)
            body = sub.value()
            if sub.pos != len(sub.data):
                raise ValueError("trailing bytes in snapshot")
        elif tag != "V":
            if type(body) is not tuple:
                raise ValueError("not a snapshot")
            body = _SEQUENCE_KINDS[tag](body)
        outs.append(str(wire.dumps_output(body)))
    return outs


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
            exec(_code(req["setup"], "<setup>"), setup_ns)  # trusted
        calls = _build_inputs(req, setup_ns)
        encoder = None
        if req.get("output_encoder"):
            enc_ns: dict[str, Any] = dict(setup_ns)
            exec(_code(req["output_encoder"], "<encoder>"), enc_ns)  # trusted
            encoder = enc_ns["encode"]
        code = _code(req["code"], "<candidate>")
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
