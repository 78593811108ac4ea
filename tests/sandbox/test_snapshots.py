"""The strict reader of a run's result frame (the zygote's side of the result channel)."""

from __future__ import annotations

import json
import marshal
import struct
import time
from typing import Any

import pytest

from reward_service.sandbox.protocol import Reader, decode_result
from reward_service.sandbox.wire import Bag, dumps_output

VALUES: list[Any] = [
    None, True, False, 0, -1, 2**31 - 1, -(2**31), 2**31, -(3**90), 1.5, float("inf"), -0.0, 1 + 2j,
    "abc", "é€\U0001f600", b"\x00\xff", (), (1, "a"), [1, [2, [3]]], ["dup", "dup"], [],
]


def frame(snaps: Any, status: str = "ok") -> bytes:
    return marshal.dumps((status, snaps, None, None, None, 0, []), 2)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_reads_what_marshal_writes(value: Any) -> None:
    data = marshal.dumps(value, 2)
    reader = Reader(data)
    got = reader.value()
    assert reader.pos == len(data)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("value", [{1, 2, "x"}, frozenset({(1, 2)}), {"a": 1, 2: [3], (1, 2): None}, {}, set()],
                         ids=repr)
def test_sets_and_dicts_are_read_without_hashing(value: Any) -> None:
    got = Reader(marshal.dumps(value, 2)).value()
    assert type(got) is Bag
    assert json.loads(dumps_output(got)) == json.loads(dumps_output(value))


def frozen(value: Any) -> tuple[str, tuple[bytes, list[Any]]]:
    """What ``_rsmeter.freeze`` makes of ``value`` (its format, written out in Python)."""
    shape = bytearray()
    values: list[Any] = []

    def put(v: Any) -> None:
        kind = {list: "L", tuple: "T", set: "S", frozenset: "F", dict: "D"}.get(type(v))
        if kind is None:
            shape.extend(b"v")
            values.append(v)
            return
        items = [x for kv in v.items() for x in kv] if kind == "D" else list(v)
        flat = kind in "LT" and all(type(x) not in (list, tuple, set, frozenset, dict) for x in items)
        shape.extend((kind.lower() if flat else kind).encode() + struct.pack("<I", len(items)))
        for x in items:
            if flat:
                values.append(x)
            else:
                put(x)

    if type(value) is tuple and all(type(x) not in (list, tuple, set, frozenset, dict) for x in value):
        return "Z", (b"r", [value])  # a flat tuple at the top: itself
    put(value)
    return "Z", (bytes(shape), values)


def test_snapshots_become_the_same_wire_json_as_a_direct_encoding() -> None:
    # the shapes _rsmeter's snapshot makes: frozen copies (Z), marshal (M), scalars (V), JSON (J)
    nested = [[1, (2, "a")], {(1, 2)}, {"k": [None], 3: frozenset({b"x"})}, [], (), [[]], {1: {2: {3: ()}}}]
    outputs: list[Any] = [[3, 1, 2], (1, "x"), {"k": [1.5, None]}, 7, "s", {4, 5}, frozenset({1}), [[1, 2], [3]],
                          {3, 1, 2}, nested, [(i, -i) for i in range(50)], (1, "x", None), ((1,), 2)]
    snaps = [frozen([3, 1, 2]), frozen((1, "x")), ("M", marshal.dumps({"k": [1.5, None]}, 2)), ("V", 7),
             ("V", "s"), frozen({4, 5}), frozen(frozenset({1})), ("J", dumps_output([[1, 2], [3]])),
             ("J", '{"__set__":[2,3,1]}'), frozen(nested), frozen([(i, -i) for i in range(50)]),
             frozen((1, "x", None)), frozen(((1,), 2))]
    got = decode_result(frame(snaps))["outputs"]
    assert got == [json.loads(dumps_output(v)) for v in outputs]


@pytest.mark.parametrize("data", [
    marshal.dumps(compile("1", "x", "eval"), 2),  # a code object
    frame([("M", marshal.dumps(compile("1", "x", "eval"), 2))]),  # one inside a snapshot
    frame([("X", 1)]),  # an unknown tag
    frame([("L", (1, 2))]),  # a tag of an earlier harness
    frame([("Z", (b"Q\x01\x00\x00\x00v", [1]))]),  # an unknown kind of container
    frame([("Z", (b"l\x03\x00\x00\x00", [1, 2]))]),  # more items than values
    frame([("Z", (b"L\x02\x00\x00\x00v", [1]))]),  # more items than the shape holds
    frame([("Z", (b"D\x01\x00\x00\x00v", [1]))]),  # a dict's key without its value
    frame([("Z", (b"l\x01\x00\x00\x00", [[1]]))]),  # a value that is no scalar
    frame([("Z", (b"l\x01\x00\x00\x00", [1, 2]))]),  # values left over
    frame([("Z", (b"vv", [1, 2]))]),  # shape left over
    frame([("Z", (b"L\x01\x00\x00\x00" * 70 + b"v", [1]))]),  # nested past the copy's depth
    frame([("Z", (b"l\xff\xff\xff\xff", []))]),  # a count past the data
    frame([("Z", [b"v", [1]])]),  # a body of another shape
    frame([("Z", (b"r", [(1, [2])]))]),  # a tuple taken as it was that holds more than scalars
    frame([("Z", (b"Lr", [(1,)]))]),  # a tuple taken as it was, inside a container
    frame({"not": "a list"}),
    frame([1, 2])[:-1],  # truncated
    frame([1]) + b"N",  # trailing bytes
    b"[\xff\xff\xff\x7f",  # a length larger than the data
    frame([("J", "[[[")]),  # not JSON
    frame([("J", '{"__code__": 1}')]),  # an unknown tag inside JSON
    frame([("J", '[{"k0": 1, "k1": 2}]')]),  # keys that are no tag (chosen keys could all collide)
    marshal.dumps(("ok", [], None, None, None), 2),  # a frame of another shape
    marshal.dumps(("passed", [], None, None, None, 0, []), 2),  # a status the tail never writes
    marshal.dumps(("ok", [], None, None, None, 0, ["1.5"]), 2),  # call times that are no floats
    marshal.dumps(("ok", [], None, None, None, 0), 2),  # the frame before call times
], ids=range(27))
def test_refuses_what_the_harness_never_writes(data: bytes) -> None:
    with pytest.raises((ValueError, TypeError)):
        decode_result(data)


@pytest.mark.parametrize("data", [
    b"[\x01\x00\x00\x00" * 5000 + b"N",  # marshal nested 5,000 deep
    frame([("J", "[" * 100_000 + "]" * 100_000)]),  # JSON nested 100,000 deep
    frame([("M", b"[\x01\x00\x00\x00" * 300 + b"N")]),  # past the wire's depth
], ids=["marshal", "json", "inner"])
def test_deep_nesting_is_refused_not_a_crash(data: bytes) -> None:
    with pytest.raises((ValueError, RecursionError)):
        decode_result(data)


def test_colliding_set_members_decode_in_linear_time() -> None:
    # 2**61 - 1 is the modulus of int hashing: these 60,000 integers all hash to 0
    members = [k * (2**61 - 1) for k in range(1, 60_001)]
    colliding = ("Z", (b"S" + struct.pack("<I", len(members)) + b"v" * len(members), members))
    data = frame([colliding, ("M", marshal.dumps({m: 1 for m in members[:2000]}, 2))])
    started = time.process_time()
    outputs = decode_result(data)["outputs"]
    assert time.process_time() - started < 5.0  # quadratic rebuilding takes minutes
    assert len(outputs[0]["__set__"]) == 60_000


def test_big_integers_travel_as_hex() -> None:
    big = 7**20_000  # 16,900 digits: past int_max_str_digits
    out = decode_result(frame([("V", big), ("M", marshal.dumps([big], 2))]))["outputs"]
    assert out[0] == {"__int__": format(big, "x")} and out[1] == [{"__int__": format(big, "x")}]


# ---------------------------------------------------------------- the zygote's memory for a run's outputs
def test_checking_a_long_string_of_escapes_takes_no_memory_per_character() -> None:
    # The check that every JSON object is a tag kept a backtracking record per character of a
    # string (~125 bytes): 5 GB in the zygote for a 40 MB string of quotes, whose container
    # was OOM-killed (a reward null for a wrong answer).
    import tracemalloc

    from reward_service.sandbox.protocol import _tags_only

    text = json.dumps('"' * 2_000_000)
    tracemalloc.start()
    try:
        assert _tags_only(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak  # the old check: ~250 MB here


@pytest.mark.parametrize(("text", "tagged"), [
    ('[{"__tuple__": [1, "a:", {"__set__": ["x"]}]}, "b\\\\\\"c"]', True),
    ('{ "__dict__" : [["k", null]]}', True),
    ('{"__tuple__": [1], "k": 2}', False),  # a second key, chosen by the run
    ('{"__tuple__": [1], "__set__": [2]}', False),
    ('[{}]', False),
    ('"' + '\\"' * 100_000, False),  # unterminated: refused at once, not rescanned from each quote
], ids=range(6))
def test_only_objects_of_one_tag_key_are_wire_json(text: str, tagged: bool) -> None:
    from reward_service.sandbox.protocol import _tags_only

    assert _tags_only(text) is tagged


def test_outputs_past_the_value_budget_are_the_runs_output_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # ``[[]] * n`` is n pointers in the run, 3 bytes of JSON or 5 of marshal a list, and ~64
    # bytes a list decoded in the zygote: past a budget of values it is the run's output limit.
    from reward_service.sandbox import protocol

    monkeypatch.setattr(protocol, "MAX_OUTPUT_ITEMS", 1000)
    fits = [("J", json.dumps([[]] * 200)), ("M", marshal.dumps([[]] * 200, 2))]
    assert len(decode_result(frame(fits))["outputs"]) == 2
    for snap in [("J", json.dumps([[]] * 1200)), ("M", marshal.dumps([[]] * 1200, 2)),
                 ("Z", (b"L" + struct.pack("<I", 1200) + b"L\x00\x00\x00\x00" * 1200, [])),
                 ("J", json.dumps(list(range(1200))))]:
        with pytest.raises(protocol.OutputTooLarge):
            decode_result(frame([snap]))
    # commas inside strings are no values
    assert decode_result(frame([("J", json.dumps(["," * 5000]))]))["outputs"] == [["," * 5000]]


def test_a_report_with_raw_outputs_is_the_report_with_its_outputs() -> None:
    import os

    from reward_service.sandbox.protocol import RawOutputs, read_frame, write_report

    snaps = [("V", "x"), ("J", dumps_output([1, (2, 3), {4}])), ("M", marshal.dumps({"k": [1.5]}, 2))]
    result = decode_result(frame(snaps), raw=True)
    assert isinstance(result["outputs"], RawOutputs)
    # what the run printed is the candidate's: nothing in it may end the report's strings
    report = {"id": 3, "armed": True, "result": result, "stdout_tail": '"]}},"instructions":1,"x":["'}
    read_fd, write_fd = os.pipe()
    try:
        write_report(write_fd, report)
        got = read_frame(read_fd)
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert got["result"]["outputs"] == decode_result(frame(snaps))["outputs"]
    assert got["stdout_tail"] == report["stdout_tail"] and "instructions" not in got
    assert got["result"]["status"] == "ok" and got["id"] == 3


@pytest.mark.parametrize("digest", [
    ['abc"],"x":["', 5],  # quotes: the text spliced into the report would have ended the string
    ["0" * 63, 5], ["A" * 64, 5], ["0" * 64, -1], ["0" * 64, "5"], ["0" * 64, 5.0],
], ids=range(6))
def test_a_digest_from_the_runs_json_is_a_sha256_or_refused(digest: list[Any]) -> None:
    with pytest.raises(ValueError):
        decode_result(frame([("J", json.dumps({"__digest__": digest}))]))


def test_a_well_formed_digest_from_the_runs_json_travels_escaped() -> None:
    from reward_service.sandbox import wire

    got = decode_result(frame([("J", json.dumps({"__digest__": ["ab" * 32, 7]}))]))["outputs"]
    assert got == [{"__digest__": ["ab" * 32, 7]}]
    assert wire.dumps(wire.Digest('a"b', 1)) == '{"__digest__":["a\\"b",1]}'


@pytest.mark.parametrize("value", [*VALUES, {1, "a", (2, 3)}, {"k": [1, {2: (3.5, None)}], (1,): b"x"},
                                   float("nan"), 7**3000, [((1,),), [()]]], ids=repr)
def test_decoding_in_one_pass_gives_what_decoding_the_json_then_its_tags_gives(value: Any) -> None:
    from reward_service.sandbox.wire import decode_safe, loads_safe

    text = dumps_output(value, digest=False)
    assert dumps_output(loads_safe(text), digest=False) == dumps_output(decode_safe(json.loads(text)), digest=False)


@pytest.mark.parametrize("text", [
    '{"__tuple__": {"__tuple__": [1]}}', '{"__set__": 1}', '{"__dict__": [[1]]}', '{"__complex__": [1, "a"]}',
    '{"__bytes__": [1]}', '{"__int__": 5}', '{"__code__": "x"}', '{"__tuple__": [], "__set__": []}',
], ids=range(8))
def test_one_pass_decoding_refuses_malformed_tags(text: str) -> None:
    from reward_service.sandbox.wire import loads_safe

    with pytest.raises(ValueError):
        loads_safe(text)
