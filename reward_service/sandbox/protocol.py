"""The sandbox protocol in one place (standard library only; shipped into every sandbox).

Every role speaks it: the host's pool (``zygote.py``), the zygote and its template
(``harness.py``), one run (``runner.py``) and the Docker relay. Three channels:

* **control** (host <-> zygote, also through the relay): frames of a 4-byte big-endian
  length then UTF-8 JSON; a request per run, a report per run. At most ``MAX_FRAME``.
* **status** (template -> zygote): fixed ``STATUS`` records: the run's pid (followed by
  the run's ``TOKEN_SIZE`` random token), then how it ended (wait status, CPU, memory,
  leftovers, a hardware count, and whether it was armed).
* **result** (run -> zygote): one frame. Before the run is *armed* (the candidate has not
  run yet) the harness may report its own failure as JSON ``{"harness_error": ...}``, or
  the failure of the problem's trusted code (setup, a test input's expression, the
  generator, the output encoder) as ``{"problem_error": ..., "part": ..., "index": ...}``:
  the problem's fault, never the candidate's nor the harness's. The zygote reads JSON
  frames only from runs that were never armed, so a candidate cannot forge either.
  After, the only frame the harness writes is ``C`` + the run's token + marshal of
  ``(status, snapshots, exception, message, index, blocked, times)``, written by native
  code after the count is closed (see ``_rsmeter.run``). The token is how the zygote knows
  the frame is the tail's: the candidate holds the same descriptor but not the token. Everything on this channel after arming
  is the candidate's: malformed, deep or huge data is its failure, never the service's.

Counts (callgrind, qemu): the run's process writes ``callgrind.out.<pid>`` (valgrind) or
``qemu.<pid>`` (the QEMU plugin) at its exit into ``COUNT_DIR``, a directory the native
tail makes afresh after the count closed. The zygote reads it (:func:`read_count`); any
other entry there means tampering.

Decoding the candidate's snapshots never hashes a value it chose (a set of integers that
all hash alike would take quadratic time to rebuild): sets and dicts are carried as
:class:`wire.Bag` and encoded to wire JSON in a canonical order.
"""

from __future__ import annotations

import json
import os
import re
import stat
import struct

TYPE_CHECKING = False  # typing is not imported at run time: the template stays small
if TYPE_CHECKING:
    from typing import Any

if __package__:  # the host: part of the package
    from . import wire
else:  # inside the sandbox: a sibling script
    import wire  # type: ignore[import-not-found,no-redef,unused-ignore]

__all__ = [
    "HDR", "MAX_FRAME", "MAX_HARNESS_FRAME", "STATUS", "COUNT_NAME", "read_exact", "read_frame", "write_frame",
    "encode_frame", "read_count", "COUNT_FILES", "decode_result", "Reader", "TOKEN_SIZE", "OutputTooLarge",
    "MAX_OUTPUT_TEXT", "MAX_OUTPUT_ITEMS", "RawOutputs", "write_report",
]

HDR = struct.Struct(">I")
#: the largest frame on any channel; a run's result past its output limit is cut earlier
MAX_FRAME = 256 << 20
#: the harness's own JSON frames (before arming) are small; a larger one is not the harness's
MAX_HARNESS_FRAME = 64 << 10
#: pid, wait status, utime, stime, maxrss, leftovers, hardware count, errno, armed
STATUS = struct.Struct(">iiddqqqqi")
#: the random bytes the template reports after a run's pid, and the run's tail puts in its frame
TOKEN_SIZE = 16
#: the count directory, inside the scratch directory
COUNT_NAME = ".rs-count"
#: the count file's name (before ``.<pid>``) per harness mode
COUNT_FILES = {"callgrind": "callgrind.out", "qemu": "qemu"}
_SUMMARY = re.compile(rb"^(?:summary|totals):\s*(\d+)", re.MULTILINE)
MAX_COUNT_FILE = 64 << 20
#: the most wire JSON a run's outputs may take in the zygote's report (the rest of the report
#: is small): a result frame is bytes, but JSON escapes a control character in six
MAX_OUTPUT_TEXT = MAX_FRAME - (1 << 20)


#: the most values (scalars and containers) a run's outputs may hold, all together. The zygote
#: decodes them before it encodes them for the host, and a value decoded costs ~40-70 bytes
#: wherever the snapshot spent 3 or 5 on it (``[[]]*43_000_000`` is 344 MB in the run, 128 MB
#: of JSON, and would be 2.7 GB of lists in the zygote, twice over): past this, the run's
#: output limit, like its size. Outputs this large are shipped as digests (``wire``), not
#: values, except to a checker or to the full comparison after unequal digests.
MAX_OUTPUT_ITEMS = 20_000_000


class OutputTooLarge(ValueError):
    """A run's outputs, as wire JSON, would not fit in a report: the run's output limit."""


# ---------------------------------------------------------------- frames
def read_exact(fd: int, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def encode_frame(obj: Any) -> bytes:
    data = json.dumps(obj, separators=(",", ":")).encode()
    return HDR.pack(len(data)) + data


def read_frame(fd: int) -> Any:
    (n,) = HDR.unpack(read_exact(fd, 4))
    if n > MAX_FRAME:
        raise ValueError("frame too large")
    return json.loads(read_exact(fd, n))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_frame(fd: int, obj: Any) -> None:
    _write_all(fd, encode_frame(obj))


class RawOutputs(list):  # type: ignore[type-arg]
    """A run's outputs as wire JSON texts, spliced into its report as they are
    (:func:`write_report`): the zygote never holds them decoded, nor the report as one string."""


#: how much of a report the zygote encodes at a time
_WRITE_CHUNK = 1 << 20


def write_report(fd: int, report: dict[str, Any]) -> None:
    """``write_frame`` for a zygote's report whose ``result`` may carry :class:`RawOutputs`.

    The outputs can be a good part of the frame limit: they are written text by text, a
    chunk at a time, never joined with the report or copied whole (a wire text is ASCII, so
    its length is its size). Every other value is encoded by ``json.dumps``, so nothing the
    run chose can end a string early: the texts are the zygote's own (``decode_result``).
    """
    result = report.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("outputs"), RawOutputs):
        write_frame(fd, report)
        return
    outputs: RawOutputs = result["outputs"]
    rest = {k: v for k, v in report.items() if k != "result"}
    head = (json.dumps(rest, separators=(",", ":"))[:-1] + ',"result":'
            + json.dumps({k: v for k, v in result.items() if k != "outputs"}, separators=(",", ":"))[:-1]
            + ',"outputs":[')
    pieces = [head]
    for n, text in enumerate(outputs):
        if not text.isascii():  # not the zygote's wire text: never spliced
            raise ValueError("an output's wire text is not ASCII")
        pieces += [",", text] if n else [text]
    pieces.append("]}}")
    _write_all(fd, HDR.pack(sum(map(len, pieces))))
    for piece in pieces:
        for at in range(0, len(piece), _WRITE_CHUNK):
            _write_all(fd, piece[at : at + _WRITE_CHUNK].encode("ascii"))


# ---------------------------------------------------------------- counts
def read_count(count_dir: str, pid: int, mode: str = "callgrind") -> tuple[int | None, str | None]:
    """The run's count from ``count_dir``: (count, None) or (None, why not).

    Exactly one entry must be there, ``callgrind.out.<pid>`` (``qemu.<pid>`` in mode
    ``qemu``), a regular file: the native tail made the directory empty after the count
    closed, and only the meter wrote since. Both files hold a ``summary: <n>`` line.
    """
    try:
        names = os.listdir(count_dir)
    except FileNotFoundError:
        return None, "no count directory (the run did not reach its end)"
    except OSError as exc:
        return None, f"count directory unreadable: {exc.strerror}"
    expected = f"{COUNT_FILES[mode]}.{pid}"
    others = [n for n in names if n != expected]
    if others:
        return None, f"unexpected entries in the count directory: {sorted(others)[:3]!r}"
    if expected not in names:
        return None, "no count file was written"
    try:
        fd = os.open(os.path.join(count_dir, expected), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return None, f"count file unreadable: {exc.strerror}"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_COUNT_FILE:
            return None, "the count file is not a plain file of the meter's"
        data = os.read(fd, MAX_COUNT_FILE)
    finally:
        os.close(fd)
    m = _SUMMARY.search(data)
    if m is None:
        return None, "no summary line in the count file"
    return int(m.group(1)), None


# ---------------------------------------------------------------- results
class Reader:
    """A strict reader of the marshal (version 2) subset snapshots are made of.

    Snapshots come from a process the candidate controlled, so they are not given to
    ``marshal.loads`` (which builds code objects and is not meant for hostile input). This
    reads plain data only: None, bools, ints, floats, complex numbers, str, bytes, tuples,
    lists, sets, frozensets and dicts, with every length checked against the bytes that
    are there, and nesting bounded. Sets, frozensets and dicts come back as
    :class:`wire.Bag` (their items in a list): nothing the candidate chose is hashed.
    """

    _I32 = struct.Struct("<i")
    _F64 = struct.Struct("<d")
    _C128 = struct.Struct("<dd")
    MAX_DEPTH = wire.MAX_DEPTH + 8

    def __init__(self, data: bytes | memoryview, budget: list[int] | None = None) -> None:
        self.data = memoryview(data)
        self.pos = 0
        self.budget = budget if budget is not None else [MAX_OUTPUT_ITEMS]  # values left (shared)

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
        _spend(self.budget, 1)
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
            if abs(n) > len(self.data):
                raise ValueError("bad length in snapshot")
            magnitude = _digits_value(bytes(self._take(2 * abs(n))))
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
            return wire.Bag("set" if code == b"<" else "frozenset", items)
        if code == b"{":
            pairs: list[tuple[Any, Any]] = []
            while True:
                if self.pos < len(self.data) and self.data[self.pos] == ord("0"):
                    self.pos += 1
                    return wire.Bag("dict", pairs)
                key = self.value(depth + 1)
                pairs.append((key, self.value(depth + 1)))
        raise ValueError(f"unexpected marshal type {code!r} in snapshot")


_DIGITS8 = struct.Struct("<8H")


def _digits_value(digits: bytes) -> int:
    """The magnitude marshal writes as 15-bit digits (16-bit little-endian words, least
    significant first), checked, in linear time.

    Each group of 8 digits is 120 bits, 15 whole bytes: the bytes are laid end to end and
    read as one number. Shifting an accumulator by 15 bits per digit instead copies the
    whole number at every digit: quadratic, ~16 s for a 400 KB output, and a result of
    the output limit's size (128 MiB) would have held the zygote past the host's deadline.
    """
    if max(digits[1::2], default=0) & 0x80:
        raise ValueError("bad digit in snapshot")
    padded = digits + bytes(-len(digits) % 16)  # whole groups of 8 digits (zeros on top)
    out = bytearray()
    for group in _DIGITS8.iter_unpack(padded):
        value = 0
        for k in range(7, -1, -1):
            value = (value << 15) | group[k]
        out += value.to_bytes(15, "little")
    return int.from_bytes(out, "little")


def _spend(budget: list[int], n: int) -> None:
    budget[0] -= n
    if budget[0] < 0:
        raise OutputTooLarge(f"outputs past {MAX_OUTPUT_ITEMS} values")


def _json_values(text: str) -> int:
    """At least as many as the values a wire JSON text holds (each after a comma or an opening
    bracket or brace, or the first), counting outside strings where the quick count is large."""
    count = text.count(",") + text.count("[") + text.count("{") + 1
    if count > MAX_OUTPUT_ITEMS // 4:  # commas inside strings are not values: count without them
        bare = _JSON_STRING.sub("", text)
        count = bare.count(",") + bare.count("[") + bare.count("{") + 1
    return count


def _whole(data: bytes | memoryview, budget: list[int] | None = None) -> Any:
    reader = Reader(data, budget)
    value = reader.value()
    if reader.pos != len(data):
        raise ValueError("trailing bytes in snapshot")
    return value


#: wire JSON whose objects each hold one key, a tag: a run of tokens (a string that is not a
#: key, anything but a quote or a brace, or a brace and a tag key), every repeat possessive. The alternation
#: ``"(?:[^"\\]|\\.)*"`` it replaces kept a backtracking record per character of a string
#: (~125 bytes each: 5 GB in the zygote for a 40 MB string of quotes, whose container was
#: OOM-killed, a reward null), and rescanned an unterminated string from each of its quotes.
_JSON_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"')
_TAGGED_JSON = re.compile(
    r'(?:"[^"\\]*+(?:\\.[^"\\]*+)*+"(?!\s*+:)|[^"{]++|\{\s*+"__(?:tuple|set|dict|bytes|float|int|complex|digest)__"\s*+:)*+'
)


def _tags_only(text: str) -> bool:
    """True when every JSON object in ``text`` has one key, a wire tag: the only keys the JSON
    decoder then hashes are the tags (the zygote hashes strings with a fixed seed, so keys an
    adversary chose could all collide)."""
    return _TAGGED_JSON.fullmatch(text) is not None  # linear time, constant memory


_SCALARS = (int, float, str, bool, type(None), bytes, complex)
_COUNT = struct.Struct("<I")
#: _rsmeter's FREEZE_DEPTH: containers nest at most this deep in a frozen copy
FROZEN_DEPTH = 64
_FROZEN_KINDS = {ord(k): k for k in "LTSFDlt"}


def _thaw(body: Any, budget: list[int]) -> Any:
    """A frozen copy, ``(shape, values)`` (see ``_rsmeter.freeze``), as the value
    :func:`wire.dumps_output` encodes. Every count is checked against what is there, so a
    forged one costs at most linear time."""
    if type(body) is not tuple or len(body) != 2 or type(body[0]) is not bytes or type(body[1]) is not list:
        raise ValueError("not a snapshot")
    shape, values = body
    _spend(budget, len(values))
    if shape == b"r":  # a tuple of scalars, as it was
        if len(values) != 1 or type(values[0]) is not tuple or not all(type(x) in _SCALARS for x in values[0]):
            raise ValueError("not a snapshot")
        _spend(budget, len(values[0]))
        return values[0]
    if not all(type(x) in _SCALARS for x in values):
        raise ValueError("not a snapshot")
    pos = at = 0

    def item(depth: int) -> Any:
        nonlocal pos, at
        if pos >= len(shape):
            raise ValueError("truncated snapshot")
        code = shape[pos]
        pos += 1
        if code == ord("v"):
            if at >= len(values):
                raise ValueError("truncated snapshot")
            at += 1
            return values[at - 1]
        kind = _FROZEN_KINDS.get(code)
        if kind is None or depth >= FROZEN_DEPTH or pos + 4 > len(shape):
            raise ValueError("not a snapshot")
        _spend(budget, 1)  # a container (its scalars are counted above)
        (n,) = _COUNT.unpack_from(shape, pos)
        pos += 4
        if kind in ("l", "t"):
            if n > len(values) - at:
                raise ValueError("bad length in snapshot")
            items = values[at : at + n]
            at += n
            return items if kind == "l" else tuple(items)
        if n > len(shape) - pos or (kind == "D" and n % 2):  # every item takes a byte of the shape
            raise ValueError("bad length in snapshot")
        items = [item(depth + 1) for _ in range(n)]
        if kind == "L":
            return items
        if kind == "T":
            return tuple(items)
        if kind == "D":
            return wire.Bag("dict", list(zip(items[::2], items[1::2], strict=True)))
        return wire.Bag("set" if kind == "S" else "frozenset", items)

    value = item(0)
    if pos != len(shape) or at != len(values):
        raise ValueError("trailing bytes in snapshot")
    return value


def _output(item: Any, digest: bool, budget: list[int]) -> str:
    """One snapshot as wire JSON (see ``_rsmeter.snapshot`` for the tags)."""
    if type(item) is not tuple or len(item) != 2 or type(item[0]) is not str:
        raise ValueError("not a snapshot")
    tag, body = item
    if tag == "V":
        if type(body) not in _SCALARS:
            raise ValueError("not a snapshot")
        _spend(budget, 1)
        return str(wire.dumps_output(body, digest))
    if tag == "Z":
        return str(wire.dumps_output(_thaw(body, budget), digest))
    if tag == "M":
        if type(body) is not bytes:
            raise ValueError("not a snapshot")
        return str(wire.dumps_output(_whole(body, budget), digest))
    if tag == "J":  # encoded inside the run by its wire module, which the candidate could rebind
        if type(body) is not str or len(body) > MAX_FRAME or not _tags_only(body):
            raise ValueError("not a snapshot")
        _spend(budget, _json_values(body))
        return str(wire.dumps_output(wire.loads_safe(body), digest))
    raise ValueError("not a snapshot")


def decode_result(body: bytes | memoryview, digest: bool = True, raw: bool = False) -> dict[str, Any]:
    """A run's ``C`` frame (without its tag) as the result the host reads (``digest``: see
    :func:`wire.dumps_output`). With ``raw`` its outputs stay wire JSON texts
    (:class:`RawOutputs`, for :func:`write_report`).

    Raises ValueError (or RecursionError, OverflowError, UnicodeDecodeError, MemoryError)
    when the frame is not what the native tail writes: the run then corrupted its own
    result channel.
    """
    # the frame's values: the outputs' (those a snapshot holds as they are) and a few an input
    frame = _whole(body, [MAX_OUTPUT_ITEMS + (1 << 20)])
    budget = [MAX_OUTPUT_ITEMS]  # the outputs' values, however each snapshot holds them
    if type(frame) is not tuple or len(frame) != 7:
        raise ValueError("not a result frame")
    status, snaps, exc_name, message, index, blocked, times = frame
    if (status not in ("ok", "error", "memory", "output", "timeout") or type(blocked) is not int
            or type(times) is not list or not all(type(t) is float for t in times)):
        raise ValueError("not a result frame")
    result: dict[str, Any] = {"status": status, "count_blocked": bool(blocked), "call_cpu_s": times}
    if status == "ok":
        if type(snaps) is not list:
            raise ValueError("not a result frame")
        texts, size = RawOutputs(), 0
        snaps.reverse()
        while snaps:  # each snapshot let go of once it is text
            texts.append(_output(snaps.pop(), digest, budget))
            size += len(texts[-1])
            if size > MAX_OUTPUT_TEXT:  # 45 MB of "\x01" is 270 MB of JSON: the candidate's output limit
                raise OutputTooLarge(f"outputs past {MAX_OUTPUT_TEXT} bytes of JSON")
        result["outputs"] = texts if raw else [json.loads(text) for text in texts]
    else:
        result["outputs"] = []
        result["exception"] = exc_name[:80] if type(exc_name) is str else "Exception"
        result["message"] = message[:300] if type(message) is str else ""
        result["index"] = index if type(index) is int else None
    return result
