"""Tagged JSON for values crossing the sandbox boundary (standard library only).

Untrusted code's outputs come back as JSON, never pickle. Python values JSON cannot tell
apart are tagged, so that ``(1, 2) != [1, 2]`` survives the trip, as the tests expect:

    tuple -> {"__tuple__": [...]}     set/frozenset -> {"__set__": [...]}
    dict  -> {"__dict__": [[k, v], ...]}   bytes -> {"__bytes__": "hex"}
    float nan/inf -> {"__float__": "nan" | "inf" | "-inf"}   complex -> {"__complex__": [re, im]}
    int past 4,000 digits -> {"__int__": "hex"}  (int <-> decimal text is quadratic, and capped)

A set's items are written in one canonical order (sorted by their encoded text), so equal
sets give equal text. Values decoded from an untrusted side are built with :class:`Bag`
for sets and dicts (:func:`decode_safe`): nothing an adversary chose is hashed.

This module is imported by the in-sandbox harness, so it must not import the package.
"""

from __future__ import annotations

import io
import json
import marshal
import math
from decimal import Decimal
from fractions import Fraction
from json.encoder import encode_basestring_ascii as _encode_str

try:  # built into Debian's interpreter; hashlib would load OpenSSL into every sandbox template
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - other builds (3.12 renamed it)
    from hashlib import sha256 as _sha256

TYPE_CHECKING = False  # typing is not imported at run time: the template stays small
if TYPE_CHECKING:
    from typing import Any

__all__ = ["encode", "decode", "decode_safe", "loads_safe", "dumps", "dumps_output", "loads", "Bag", "Digest",
           "UnencodableOutput", "is_plain_json"]

MAX_DEPTH = 200


class UnencodableOutput(TypeError):
    """The value holds a type the wire cannot carry."""


def encode(value: Any) -> Any:
    """Turn a Python value into plain JSON data, tagging what JSON would lose (see :func:`dumps`)."""
    return json.loads(dumps(value))


def is_plain_json(value: Any) -> bool:
    """True when plain JSON carries ``value`` unchanged (no tuples, sets, non-finite floats...)."""
    t = type(value)
    if value is None or t in (bool, int, str):
        return True
    if t is float:
        return math.isfinite(value)
    if t is list:
        return all(is_plain_json(v) for v in value)
    if t is dict:
        return all(type(k) is str and is_plain_json(v) for k, v in value.items())
    return False


class Bag:
    """A set, frozenset or dict read from an untrusted side, kept as a list of its items
    (pairs for a dict) so that nothing is hashed; :func:`dumps` writes it like the real one."""

    __slots__ = ("kind", "items")

    def __init__(self, kind: str, items: list[Any]) -> None:
        self.kind = kind
        self.items = items

    def __repr__(self) -> str:
        return f"Bag({self.kind!r}, {self.items!r})"


_BIG_INT_BITS = 13_000  # about 3,900 decimal digits: below int_max_str_digits (4,300)


def _is_digest_body(body: Any) -> bool:
    """A digest's ``[sha256 hex, size]`` as the wire carries it (from an untrusted side too)."""
    return (type(body) is list and len(body) == 2 and type(body[0]) is str and len(body[0]) == 64
            and not body[0].strip("0123456789abcdef") and type(body[1]) is int and body[1] >= 0)


def decode_safe(data: Any, depth: int = 0) -> Any:
    """Like :func:`decode`, for JSON from an untrusted side: sets and dicts become :class:`Bag`.

    Every container is decoded here, however deep it sits: only scalars' tags reach
    :func:`decode`. A set of integers that all hash alike nested in a tuple or a complex
    number went to :func:`decode` whole, which built it as a real set (quadratic time).
    """
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    if isinstance(data, list):
        return [decode_safe(v, depth + 1) for v in data]
    if isinstance(data, dict):
        if len(data) != 1:
            raise ValueError("untagged object on the wire")
        ((tag, body),) = data.items()
        if tag in ("__tuple__", "__set__", "__dict__", "__complex__"):
            if not isinstance(body, list):
                raise ValueError(f"malformed {tag} on the wire")
            if tag == "__tuple__":
                return tuple(decode_safe(v, depth + 1) for v in body)
            if tag == "__set__":
                return Bag("set", [decode_safe(v, depth + 1) for v in body])
            if tag == "__complex__":
                parts = [decode_safe(v, depth + 1) for v in body]
                if len(parts) != 2 or not all(type(v) in (int, float) for v in parts):
                    raise ValueError("malformed complex on the wire")
                return complex(parts[0], parts[1])
            pairs = []
            for pair in body:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ValueError("malformed dict on the wire")
                pairs.append((decode_safe(pair[0], depth + 1), decode_safe(pair[1], depth + 1)))
            return Bag("dict", pairs)
        if isinstance(body, (list, dict)) and tag != "__digest__":
            raise ValueError(f"malformed {tag} on the wire")
        if tag == "__digest__" and not _is_digest_body(body):
            raise ValueError("malformed digest on the wire")
        return decode({tag: body})
    return decode(data)


def _tagged(pairs: list[tuple[str, Any]]) -> Any:
    """One object of untrusted wire JSON, its items already decoded (:func:`loads_safe`)."""
    if len(pairs) != 1:
        raise ValueError("untagged object on the wire")
    ((tag, body),) = pairs
    if type(body) is list:
        if tag == "__tuple__":
            return tuple(body)
        if tag == "__set__":
            return Bag("set", body)
        if tag == "__dict__":
            if not all(type(pair) is list and len(pair) == 2 for pair in body):
                raise ValueError("malformed dict on the wire")
            return Bag("dict", [(k, v) for k, v in body])
        if tag == "__complex__":
            if len(body) != 2 or not all(type(v) in (int, float) for v in body):
                raise ValueError("malformed complex on the wire")
            return complex(body[0], body[1])
        if tag == "__digest__":
            if not _is_digest_body(body):
                raise ValueError("malformed digest on the wire")
            return Digest(body[0], body[1])
    elif type(body) is str and tag in ("__bytes__", "__float__", "__int__"):
        return decode({tag: body})
    raise ValueError(f"malformed {tag} on the wire")


def loads_safe(text: str) -> Any:
    """:func:`decode_safe` of ``json.loads(text)`` in one pass: each object is decoded as soon
    as it is read, so the JSON's own objects (a dict and a list for every tuple) never exist
    all at once beside their decoded copy. The caller makes sure every object's key is a tag
    (``protocol._tags_only``): the JSON decoder hashes keys."""
    return json.loads(text, object_pairs_hook=_tagged)


def _exact_number(value: Fraction | Decimal) -> int | float:
    """A Fraction or Decimal as the int or float it equals (Python's ``==``: ``Fraction(5, 2)
    == 2.5``); one no float equals (a third) cannot be returned. Read through the exact
    types' own fields and methods: a candidate's subclass never gets here."""
    if isinstance(value, Fraction):  # exactly a Fraction (the caller checked its type)
        num, den = value._numerator, value._denominator  # type: ignore[attr-defined]
    else:
        if not value.is_finite():
            raise UnencodableOutput(f"output {value!s} of type Decimal cannot be returned")
        num, den = Decimal.as_integer_ratio(value)
    if type(num) is not int or type(den) is not int or den <= 0:
        raise UnencodableOutput("a malformed Fraction cannot be returned")
    if den == 1:
        return num
    try:
        as_float = num / den  # correctly rounded
    except OverflowError:
        as_float = math.inf
    if math.isfinite(as_float) and float.as_integer_ratio(as_float) == (num, den):
        return as_float
    raise UnencodableOutput(f"output {num}/{den} of type {type(value).__name__} equals no float: it cannot be returned")


def _convert(base: Any, value: Any) -> Any:
    return base(value)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, set):
        return frozenset(value)
    return value


def decode(data: Any) -> Any:
    """Inverse of :func:`encode`. Raises ValueError on a malformed tag."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        if len(data) != 1:
            raise ValueError("untagged object on the wire")
        ((tag, body),) = data.items()
        if tag == "__tuple__":
            return tuple(decode(v) for v in body)
        if tag == "__set__":
            return {_hashable(decode(v)) for v in body}
        if tag == "__dict__":
            return {_hashable(decode(k)): decode(v) for k, v in body}
        if tag == "__bytes__":
            return bytes.fromhex(body)
        if tag == "__float__":
            return float(body)
        if tag == "__digest__":
            return Digest(str(body[0]), int(body[1]))
        if tag == "__complex__":
            return complex(decode(body[0]), decode(body[1]))
        if tag == "__int__":
            return int(str(body), 16)
        raise ValueError(f"unknown tag {tag!r}")
    if isinstance(data, (str, int, float, bool)) or data is None:
        return data
    raise ValueError(f"unexpected JSON value {type(data).__name__}")


#: sequences longer than this are sent as a digest when they hold only plain values
DIGEST_OVER = 20_000
#: strings longer than this (characters) are sent as a digest
DIGEST_STR_OVER = 1 << 16
_PLAIN = (int, str, float, bool, type(None))
_PLAIN_SET = frozenset(_PLAIN)


class Digest:
    """A huge output sent as SHA-256 of its exact content (type and value, marshal v2).

    Equal digests mean equal outputs. Unequal digests decide nothing: ``2`` and ``2.0`` are
    equal in Python and digest apart, and so do floats within a tolerance; the scorer then
    compares the outputs in full (``compare.decide`` returns None).
    """

    __slots__ = ("sha256", "size")
    sha256: str
    size: int

    def __init__(self, sha256: str, size: int) -> None:
        object.__setattr__(self, "sha256", sha256)
        object.__setattr__(self, "size", size)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Digest is immutable")

    def __eq__(self, other: object) -> bool:
        return type(other) is Digest and (self.sha256, self.size) == (other.sha256, other.size)

    def __hash__(self) -> int:
        return hash((self.sha256, self.size))

    def __repr__(self) -> str:
        return f"Digest(sha256={self.sha256!r}, size={self.size})"


def _plain(value: Any, depth: int = 0) -> bool:
    """Only lists, tuples and scalars, whose repr is canonical (no sets, no dicts)."""
    if depth > MAX_DEPTH:
        return False
    t = type(value)
    if t in _PLAIN:
        return True
    if t is not list and t is not tuple:
        return False
    types = set(map(type, value))  # C speed: this scans millions of items
    if types <= _PLAIN_SET:
        return True
    if types - _PLAIN_SET - {list, tuple}:
        return False
    return all(_plain(v, depth + 1) for v in value if type(v) is list or type(v) is tuple)


def _digest_text(sha: Any, size: int) -> str:
    return "{\"__digest__\":[\"" + str(sha.hexdigest()) + "\"," + str(size) + "]}"


def dumps_output(value: Any, digest: bool = True) -> str:
    """A candidate's output as wire JSON; with ``digest``, a huge plain sequence or a long
    string becomes a :class:`Digest`.

    Mbpp/255's tests return 1.6 million tuples; shipping and comparing that as JSON costs
    a minute and gigabytes, its digest a fraction of a second. Runs whose outputs are
    judged by a checker, or compared in full after unequal digests, ask for no digest.
    """
    if digest and type(value) is str and len(value) > DIGEST_STR_OVER:
        h = _sha256(b"str")
        h.update(value.encode("utf-8", "surrogatepass"))
        return _digest_text(h, len(value))
    if digest and type(value) in (list, tuple) and len(value) > DIGEST_OVER and _plain(value):
        h = _sha256(b"list" if type(value) is list else b"tuple")
        update, dump = h.update, marshal.dumps
        for item in value:  # item by item: the whole marshal could be gigabytes
            update(dump(item, 2))  # version 2: no object references, so equal values give equal bytes
        return _digest_text(h, len(value))
    return dumps(value)


def dumps(value: Any) -> str:
    """``json.dumps(encode(value))`` without building the tagged structure in memory.

    A suite of large outputs (Mbpp/255 returns 1.6 million tuples) must not need several
    times its size in dicts and lists before it becomes text.
    """
    out = io.StringIO()
    _emit(value, out.write, 0)
    return out.getvalue()


def _emit(value: Any, write: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise UnencodableOutput("output nested too deeply")
    t = type(value)
    if value is None:
        write("null")
    elif t is bool:
        write("true" if value else "false")
    elif t is int:
        if value.bit_length() > _BIG_INT_BITS:
            write('{"__int__":"' + int.__format__(value, "x") + '"}')
        else:
            write(int.__repr__(value))
    elif t is float:
        if math.isfinite(value):
            write(float.__repr__(value))
        else:
            name = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
            write(f'{{"__float__":"{name}"}}')
    elif t is str:
        write(_encode_str(value))
    elif t is list or t is tuple:
        write("[" if t is list else '{"__tuple__":[')
        first = True
        for item in value:
            if not first:
                write(",")
            first = False
            _emit(item, write, depth + 1)
        write("]" if t is list else "]}")
    elif t is dict:
        write('{"__dict__":[')
        first = True
        for k, v in value.items():
            if not first:
                write(",")
            first = False
            write("[")
            _emit(k, write, depth + 1)
            write(",")
            _emit(v, write, depth + 1)
            write("]")
        write("]}")
    elif t is Bag:
        if value.kind == "dict":
            write('{"__dict__":[')
            for n, (k, v) in enumerate(value.items):
                write(",[" if n else "[")
                _emit(k, write, depth + 1)
                write(",")
                _emit(v, write, depth + 1)
                write("]")
            write("]}")
        else:
            _emit_set(value.items, write, depth)
    elif t is set or t is frozenset:
        _emit_set(value, write, depth)
    elif t is bytes:
        write(f'{{"__bytes__":"{value.hex()}"}}')
    elif t is Digest:  # its text escaped too: a digest can come from the run's own JSON
        write('{"__digest__":[' + _encode_str(str(value.sha256)) + "," + str(int(value.size)) + "]}")
    elif t is complex:
        write('{"__complex__":[')
        _emit(value.real, write, depth + 1)
        write(",")
        _emit(value.imag, write, depth + 1)
        write("]}")
    elif t is Fraction or t is Decimal:
        _emit(_exact_number(value), write, depth)
    else:
        # Subclasses of plain types (bool is exact above) are normalised to their base,
        # so a candidate cannot smuggle behaviour (a custom __eq__) to the trusted side.
        for base in (int, float, str, list, tuple, dict, set, frozenset, bytes):
            if isinstance(value, base):
                _emit(_convert(base, value), write, depth)
                return
        raise UnencodableOutput(f"output of type {t.__name__} cannot be returned")


def _emit_set(items: Any, write: Any, depth: int) -> None:
    texts = []
    for item in items:
        buf = io.StringIO()
        _emit(item, buf.write, depth + 1)
        texts.append(buf.getvalue())
    texts.sort()  # a set's items, each encoded deterministically: one order for equal sets
    write('{"__set__":[' + ",".join(texts) + "]}")


def loads(text: str | bytes) -> Any:
    return decode(json.loads(text))
