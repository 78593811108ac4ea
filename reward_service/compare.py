"""Output comparison, always on the trusted side: candidates never see expected outputs.

Outputs arrive as tagged wire JSON (``sandbox/wire.py``) from a process the candidate
controlled, so comparing them must be bounded whatever they hold:

* **no hashing of the candidate's values.** A set of integers that all hash alike takes
  quadratic time to build; sets and dict keys are compared through a canonical text of each
  member, sorted (``O(n log n)`` whatever the values);
* **bounded depth**: deeper than the wire carries (``wire.MAX_DEPTH``) is a mismatch;
* **Python's ``==``**, as EvalPlus judges: ``2 == 2.0``, ``True == 1``, ``[1] != (1,)``,
  ``{1} == {1.0}``; in ``float`` mode a number whose expected value is a float (also inside
  lists, tuples and dict values) is equal within tolerance as ``numpy.allclose`` has it:
  ``|a - e| <= atol + rtol·|e|`` (``rtol`` 1e-7 when the problem gives none), or when
  ``a == e``; an expected int or bool is matched exactly, as EvalPlus does;
* **digests decide equality, and lengths**: a huge output may arrive as a digest of its exact
  content and its length (``wire.Digest``). Equal digests are equal outputs, digests of
  different lengths unequal ones; anything else involving a digest is *undecided*
  (:func:`decide` returns None) and the scorer compares the outputs in full, so a digest
  never changes a verdict.

A problem's ``checker`` is caller-supplied code, so it never runs here: the scorer runs it
in the sandbox (see ``judge.py``); this module only builds the inputs of that run.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from .problem import Comparison
from .sandbox import wire

__all__ = ["outputs_match", "decide", "has_digest", "canonical", "checker_expr", "CHECKER_WRAPPER", "CHECKER_SETUP"]

_MAX_DEPTH = wire.MAX_DEPTH + 8
_TAGS = ("__tuple__", "__set__", "__dict__", "__bytes__", "__float__", "__int__", "__complex__", "__digest__")


class _Mismatch(Exception):
    """Not comparable (malformed, too deep): the outputs differ."""


def _scalar(node: Any) -> Any:
    """A tagged scalar's Python value (float specials, big ints, bytes, complex, digests)."""
    ((tag, body),) = node.items()
    if tag == "__float__":
        return float(body)
    if tag == "__int__":
        return int(str(body), 16)
    if tag == "__bytes__":
        return bytes.fromhex(str(body))
    if tag == "__complex__":
        return complex(float(body[0]) if not isinstance(body[0], dict) else _scalar(body[0]),
                       float(body[1]) if not isinstance(body[1], dict) else _scalar(body[1]))
    if tag == "__digest__":
        return wire.Digest(str(body[0]), int(body[1]))
    raise _Mismatch(tag)


def _kind(node: Any) -> tuple[str, Any]:
    """(kind, payload): list/tuple/set/dict with their items, or scalar with its value."""
    if isinstance(node, list):
        return "list", node
    if isinstance(node, dict):
        if len(node) != 1:
            raise _Mismatch("untagged object")
        ((tag, body),) = node.items()
        if tag not in _TAGS:
            raise _Mismatch(tag)
        if tag in ("__tuple__", "__set__", "__dict__"):
            if not isinstance(body, list):
                raise _Mismatch(tag)
            return tag.strip("_"), body
        return "scalar", _scalar(node)
    if node is None or isinstance(node, (bool, int, float, str)):
        return "scalar", node
    raise _Mismatch(type(node).__name__)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float))  # bool included: True == 1


def _scalars_equal(a: Any, e: Any, tol: tuple[float, float] | None) -> bool:
    if _number(a) and _number(e):
        if tol is None or not isinstance(e, float):
            # the tolerance is for expected floats, as EvalPlus has it: an expected int is
            # matched exactly (n * (8 * n - 6) / 2 is not an int's answer past 2**53)
            return bool(a == e)
        if math.isnan(a) or math.isnan(e):
            return math.isnan(a) and math.isnan(e)
        if a == e:
            return True
        if math.isinf(a) or math.isinf(e):
            return False
        return bool(abs(a - e) <= tol[0] + (tol[1] or 1e-07) * abs(e))
    if type(a) is not type(e) and not (isinstance(a, complex) or isinstance(e, complex)):
        return False
    return bool(a == e)


def canonical(node: Any, depth: int = 0) -> str:
    """A text equal for values that Python's ``==`` finds equal (set members, dict keys).

    A scalar's is its own text; a container's is a SHA-256 of its members' texts, so each
    part of a nested value is read once. Spelled out, every level repeated the text of all
    it held: a dict key of 20M characters inside 195 tuples took a worker 20 s to compare
    (the sandboxed run was cheap), a cost no limit of the run's counted."""
    if depth > _MAX_DEPTH:
        raise _Mismatch("too deep")
    kind, payload = _kind(node)
    if kind == "scalar":
        v = payload
        if isinstance(v, bool) or (isinstance(v, float) and math.isfinite(v) and v == int(v)):
            v = int(v)  # {True} == {1} == {1.0}
        if isinstance(v, int):
            return f"i{v:x}"
        if isinstance(v, float):
            return "f" + float.hex(v)
        return type(v).__name__[0] + repr(v)
    if kind == "list" or kind == "tuple":
        text = kind[0] + "[" + ",".join(canonical(x, depth + 1) for x in payload) + "]"
    elif kind == "set":
        text = "s{" + ",".join(sorted(canonical(x, depth + 1) for x in payload)) + "}"
    else:
        pairs = sorted(canonical(p[0], depth + 1) + ":" + canonical(p[1], depth + 1) for p in _pairs(payload))
        text = "d{" + ",".join(pairs) + "}"
    return "#" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _pairs(body: list[Any]) -> list[tuple[Any, Any]]:
    out = []
    for pair in body:
        if not isinstance(pair, list) or len(pair) != 2:
            raise _Mismatch("malformed dict")
        out.append((pair[0], pair[1]))
    return out


def _equal(a: Any, e: Any, tol: tuple[float, float] | None, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        raise _Mismatch("too deep")
    ka, pa = _kind(a)
    ke, pe = _kind(e)
    if ka != ke:
        return False
    if ka == "scalar":
        return _scalars_equal(pa, pe, tol)
    if ka in ("list", "tuple"):
        return len(pa) == len(pe) and all(_equal(x, y, tol, depth + 1) for x, y in zip(pa, pe, strict=True))
    if ka == "set":
        return len(pa) == len(pe) and sorted(canonical(x, depth + 1) for x in pa) == sorted(
            canonical(x, depth + 1) for x in pe)
    # dicts: the same keys (by canonical text), and equal values under the same rule
    da = {canonical(k, depth + 1): v for k, v in _pairs(pa)}
    de = {canonical(k, depth + 1): v for k, v in _pairs(pe)}
    return da.keys() == de.keys() and all(_equal(da[k], de[k], tol, depth + 1) for k in da)


def has_digest(node: Any) -> bool:
    """True when ``node`` (one output, tagged JSON) arrived as a digest."""
    return isinstance(node, dict) and len(node) == 1 and "__digest__" in node


def decide(actual: Any, expected: Any, comparison: Comparison) -> bool | None:
    """Like :func:`outputs_match`, but None when a digest leaves it undecided: only equal
    digests (equal) or digests of different lengths (unequal) decide; otherwise compare in full."""
    if has_digest(actual) or has_digest(expected):
        if has_digest(actual) and has_digest(expected):
            if outputs_match(actual, expected, comparison):
                return True
            try:  # a digest's size is its string's or sequence's length: equal values have equal ones
                if _scalar(actual).size != _scalar(expected).size:
                    return False
            except (_Mismatch, TypeError, ValueError, IndexError):
                return None
        return None
    return outputs_match(actual, expected, comparison)


def outputs_match(actual: Any, expected: Any, comparison: Comparison) -> bool:
    """Compare two tagged-JSON outputs under the problem's ``exact`` or ``float`` rule."""
    if comparison.mode == "checker":
        raise ValueError("checker comparisons run in the sandbox (Scorer)")
    tol = (comparison.atol, comparison.rtol) if comparison.mode == "float" else None
    try:
        return _equal(actual, expected, tol, 0)
    except (_Mismatch, ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError):
        return False


# ---------------------------------------------------------------- the checker's own run
#: appended to the problem's setup in a checker run: builds each call from JSON texts
#: (the outputs stay JSON texts until the checker's call: decoded before the run is armed, a
#: candidate's output built to be slow or large to decode used the run's CPU or memory as the
#: problem's trusted code, and its wrong answer became an invalid problem, a null)
CHECKER_SETUP = """
import json as _rs_json
def _rs_case(call, expected, actual):
    args, kwargs = call
    return ([{"args": list(args), "kwargs": dict(kwargs)}, expected, actual], {})
"""

#: appended to the problem's checker: the entry point of a checker run, which decodes the outputs
CHECKER_WRAPPER = """
import json as _rs_json
import wire as _rs_wire
def __rs_check__(inp, expected, actual):
    return bool(check(inp, _rs_wire.decode(_rs_json.loads(expected)), _rs_wire.decode(_rs_json.loads(actual))))
"""


def checker_expr(call_expr: str, expected: Any, actual: Any) -> str:
    """The trusted ``expr`` of one checker call: ``call_expr`` gives the input's (args, kwargs)."""
    return f"_rs_case(({call_expr}), {json.dumps(json.dumps(expected))}, {json.dumps(json.dumps(actual))})"
