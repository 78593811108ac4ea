"""Tagged JSON for values crossing the sandbox boundary (standard library only).

Untrusted code's outputs come back as JSON, never pickle. Python values JSON cannot tell
apart are tagged, so that ``(1, 2) != [1, 2]`` survives the trip, as the tests expect:

    tuple -> {"__tuple__": [...]}     set/frozenset -> {"__set__": [...]}
    dict  -> {"__dict__": [[k, v], ...]}   bytes -> {"__bytes__": "hex"}
    float nan/inf -> {"__float__": "nan" | "inf" | "-inf"}   complex -> {"__complex__": [re, im]}

This module is imported by the in-sandbox harness, so it must not import the package.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["encode", "decode", "dumps", "loads", "UnencodableOutput"]

MAX_DEPTH = 200


class UnencodableOutput(TypeError):
    """The value holds a type the wire cannot carry."""


def encode(value: Any, depth: int = 0) -> Any:
    """Turn a Python value into plain JSON data, tagging what JSON would lose."""
    if depth > MAX_DEPTH:
        raise UnencodableOutput("output nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value
    if t is float:
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if t is list:
        return [encode(v, depth + 1) for v in value]
    if t is tuple:
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if t is set or t is frozenset:
        items = [encode(v, depth + 1) for v in value]
        items.sort(key=lambda x: json.dumps(x, sort_keys=True))
        return {"__set__": items}
    if t is dict:
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if t is bytes:
        return {"__bytes__": value.hex()}
    if t is complex:
        return {"__complex__": [encode(value.real), encode(value.imag)]}
    # Subclasses of plain types (bool is handled above) are normalised to their base,
    # so a candidate cannot smuggle behaviour (a custom __eq__) to the trusted side.
    for base in (int, float, str, list, tuple, dict, set, frozenset, bytes):
        if isinstance(value, base):
            return encode(_convert(base, value), depth)
    raise UnencodableOutput(f"output of type {t.__name__} cannot be returned")


def _convert(base: Any, value: Any) -> Any:
    return base(value)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
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
        if tag == "__complex__":
            return complex(decode(body[0]), decode(body[1]))
        raise ValueError(f"unknown tag {tag!r}")
    if isinstance(data, (str, int, float, bool)) or data is None:
        return data
    raise ValueError(f"unexpected JSON value {type(data).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(encode(value), separators=(",", ":"), allow_nan=False)


def loads(text: str | bytes) -> Any:
    return decode(json.loads(text))
