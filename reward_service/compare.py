"""Output comparison, always on the trusted side: candidates never see expected outputs."""

from __future__ import annotations

import math
from typing import Any

from .problem import Comparison
from .sandbox import wire

__all__ = ["outputs_match"]


def _close(a: Any, b: Any, atol: float, rtol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rtol or 1e-07, abs_tol=atol)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(
            _close(x, y, atol, rtol) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], atol, rtol) for k in a)
    return bool(a == b)


def outputs_match(actual: Any, expected: Any, comparison: Comparison, call: dict[str, Any] | None = None) -> bool:
    """Compare two tagged-JSON outputs under the problem's comparison rule."""
    try:
        a, e = wire.decode(actual), wire.decode(expected)
    except (ValueError, TypeError, KeyError, IndexError):
        return False
    if comparison.mode == "exact":
        try:
            return bool(a == e)
        except Exception:  # noqa: BLE001 - exotic values compare as different
            return False
    if comparison.mode == "float":
        return _close(a, e, comparison.atol, comparison.rtol)
    ns: dict[str, Any] = {"__name__": "__checker__"}
    exec(compile(comparison.checker or "", "<checker>", "exec"), ns)  # trusted operator code
    return bool(ns["check"](call or {}, e, a))
