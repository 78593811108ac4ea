"""The strict reader of metered runs' marshal snapshots (the zygote's side of the result channel)."""

from __future__ import annotations

import json
import marshal
from typing import Any

import pytest

from reward_service.sandbox.runner import _Reader, load_snapshots
from reward_service.sandbox.wire import dumps_output

VALUES: list[Any] = [
    None, True, False, 0, -1, 2**31 - 1, -(2**31), 2**31, -(3**90), 1.5, float("inf"), -0.0, 1 + 2j,
    "abc", "é€\U0001f600", b"\x00\xff", (), (1, "a"), [1, [2, [3]]], {1, 2, "x"}, frozenset({(1, 2)}),
    {"a": 1, 2: [3], (1, 2): None}, ["dup", "dup"], {}, set(), [],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_reads_what_marshal_writes(value: Any) -> None:
    data = marshal.dumps(value, 2)
    reader = _Reader(data)
    got = reader.value()
    assert reader.pos == len(data)
    assert got == value and type(got) is type(value)


def test_snapshots_become_the_same_wire_json_as_a_direct_encoding() -> None:
    # the shapes runner._snapshot makes: shallow copies (L/T/S/F), marshal (M), scalars (V), JSON (J)
    outputs: list[Any] = [[3, 1, 2], (1, "x"), {"k": [1.5, None]}, 7, "s", {4, 5}, frozenset({1}), [[1, 2], [3]]]
    snaps = [("L", (3, 1, 2)), ("T", (1, "x")), ("M", marshal.dumps({"k": [1.5, None]}, 2)), ("V", 7),
             ("V", "s"), ("S", (4, 5)), ("F", (1,)), ("J", dumps_output([[1, 2], [3]]))]
    texts = load_snapshots(marshal.dumps(snaps, 2))
    assert [json.loads(t) for t in texts] == [json.loads(dumps_output(v)) for v in outputs]


@pytest.mark.parametrize("data", [
    marshal.dumps(compile("1", "x", "eval"), 2),  # a code object
    marshal.dumps([("M", marshal.dumps(compile("1", "x", "eval"), 2))], 2),  # one inside a snapshot
    marshal.dumps([("X", 1)], 2),  # an unknown tag
    marshal.dumps([("M", b"i\x01")], 2),  # truncated inner value
    marshal.dumps({"not": "a list"}, 2),
    marshal.dumps([1, 2], 2)[:-1],  # truncated
    marshal.dumps([1], 2) + b"N",  # trailing bytes
    b"[\xff\xff\xff\x7f",  # a length larger than the data
    b"(" + b"\x01\x00\x00\x00" + b"<\x01\x00\x00\x00[\x00\x00\x00\x00",  # an unhashable set member
], ids=range(9))
def test_refuses_what_the_harness_never_writes(data: bytes) -> None:
    with pytest.raises((ValueError, TypeError)):
        load_snapshots(data)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    data = b"[\x01\x00\x00\x00" * 5000 + b"N"
    with pytest.raises((ValueError, RecursionError)):
        load_snapshots(data)
