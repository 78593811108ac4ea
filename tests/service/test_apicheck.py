"""Found by probing the running service over HTTP (branch apicheck): requests that got a 500,
and a reply that did not say which inputs were metered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reward_service.service.http.middleware import lone_surrogate

from . import problems as p
from .conftest import Cluster, RedisServer

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Cluster]:
    redis_server.client().flushall()
    cluster = Cluster(redis_server.url, tmp_path_factory.mktemp("apicheck"), data_dir,
                      REWARD_API__MAX_RESPONSES_PER_GROUP=32)  # fmt: skip
    cluster.url = cluster.api()  # type: ignore[attr-defined]
    cluster.worker()
    cluster.wait_ready(1)
    yield cluster
    cluster.close()


def _raw(api: httpx.Client, path: str, text: str) -> httpx.Response:
    """POST ``text`` as it is: json.dumps would not let a lone surrogate through unescaped either."""
    return api.post(path, content=text.encode(), headers=JSON)


def test_lone_surrogate_escapes_are_found() -> None:
    assert lone_surrogate(json.dumps({"a": "\ud800"}).encode()) == 7
    assert lone_surrogate(json.dumps({"a": "x\udc00"}).encode()) == 8
    assert lone_surrogate(json.dumps({"a": "\ud83d\ude80\ud800"}).encode()) is not None
    assert lone_surrogate(b'{"a": "\\uD800"}') is not None
    # a pair is one character (an emoji as json.dumps writes it); an escaped backslash is no escape
    assert lone_surrogate(json.dumps({"a": "\U0001f680 ok"}).encode()) is None
    assert lone_surrogate(json.dumps({"a": "\\ud800", "b": "\\\\ud800"}).encode()) is None
    assert lone_surrogate(b'{"a": "x\xed\xa0\x80"}') == 8  # UTF-8 bytes of one
    assert lone_surrogate("{\"a\": \"\U0001f680\"}".encode()) is None  # an emoji as UTF-8


def test_lone_surrogates_get_a_422_not_a_500(api: httpx.Client) -> None:
    """JSON may escape a lone surrogate; the string it makes cannot be encoded (hashed,
    stored in Redis, sent back). These got a 500 from the routes that encode what they got."""
    api.put("/v1/problems/t/apicheck", json=p.sumto("t/apicheck"))
    inline = json.dumps({**p.sumto("t/apicheck-inline"), "tests": [{"args": ["\ud800"], "expected": 1, "has_expected": True}]})
    bodies = [
        ("/v1/rewards", '{"groups": [{"problem": ' + inline + ', "responses": ["x"]}]}'),
        ("/v1/groups/members", '{"group_key": "k", "size": 1, "problem_id": "t/apicheck", '
                               '"members": [{"index": 0, "response": "\\ud800"}]}'),
        ("/v1/compat/openrlhf?n=1", '{"query": ["p\\ud800"], "prompts": ["p"], "labels": ["t/apicheck"]}'),
        ("/v1/compat/openrlhf?n=1", '{"query": ["p"], "prompts": ["p"], "labels": ["\\udc00"]}'),
        ("/v1/rewards", json.dumps({"groups": [{"problem_id": "t/apicheck", "responses": ["@@ " + p.FAST]}]})
         .replace("@@", "\\ud800")),
    ]
    for path, text in bodies:
        reply = _raw(api, path, text)
        assert reply.status_code == 422, (path, text, reply.text)
        assert reply.json()["error"]["code"] == "invalid_request" and "surrogate" in reply.json()["error"]["message"]
    # the same surrogates written as UTF-8 bytes (ED A0 80): json.loads lets them through,
    # and the routes that encode what they got answered 500 (a tester's finding)
    raw_bodies = [
        ("/v1/problems/t/apicheck-raw", json.dumps({**p.sumto("t/apicheck-raw"), "prompt": "@@"}).encode()),
        ("/v1/groups/members", json.dumps({"group_key": "k2", "size": 1, "problem_id": "t/apicheck",
                                           "members": [{"index": 0, "response": "@@"}]}).encode()),
        ("/v1/compat/openrlhf?n=1", json.dumps({"query": ["p@@"], "prompts": ["p"], "labels": ["t/apicheck"]}).encode()),
    ]
    for path, content in raw_bodies:
        content = content.replace(b"@@", b"\xed\xa0\x80")
        send = api.put if path.startswith("/v1/problems/") else api.post
        reply = send(path, content=content, headers=JSON)
        assert reply.status_code == 422, (path, reply.text)
        assert reply.json()["error"]["code"] == "invalid_request" and "surrogate" in reply.json()["error"]["message"]
    # an emoji as Python's json.dumps escapes it (a surrogate pair) is fine
    body = {"groups": [{"problem_id": "t/apicheck", "responses": ["\U0001f680 " + p.FAST]}]}
    reply = _raw(api, "/v1/rewards", json.dumps(body))
    assert reply.status_code == 200, reply.text
    assert reply.json()["groups"][0]["results"][0]["verdict"] == "passed"


def test_openrlhf_labels_and_sizes_past_the_limits_get_4xx(api: httpx.Client) -> None:
    """A label that is no JSON and longer than a problem id got a 500 (a ValidationError
    raised building the group request); n past max_responses_per_group was accepted, and
    the request waited for a group that no other route would take."""
    body = {"query": ["p" + p.FAST], "prompts": ["p"], "labels": ["x" * 300]}
    reply = api.post("/v1/compat/openrlhf?n=1", json=body)
    assert (reply.status_code, reply.json()["error"]["code"]) == (422, "invalid_input"), reply.text
    body["labels"] = ["t/apicheck"]
    reply = api.post("/v1/compat/openrlhf?n=33", json=body)
    assert (reply.status_code, reply.json()["error"]["code"]) == (413, "limit_exceeded"), reply.text


def test_members_reply_says_which_inputs_were_metered(api: httpx.Client) -> None:
    """README: every result says which inputs were counted, in metered_inputs; the reply of
    POST /v1/groups/members (what the trainer adapters use) did not."""
    no_perf: dict[str, Any] = {**p.sumto("t/apicheck-tests"), "performance": None}
    cases = [({"problem_id": "t/apicheck"}, {}, "performance"), ({"problem": no_perf}, {}, "tests"),
             ({"problem_id": "t/apicheck"}, {"measure": False}, "none")]  # fmt: skip
    api.put("/v1/problems/t/apicheck", json=p.sumto("t/apicheck"))
    for n, (problem, options, metered) in enumerate(cases):
        body = {"group_key": f"apicheck/{n}", "size": 1, **problem, "options": options,
                "members": [{"index": 0, "response": p.FAST}]}  # fmt: skip
        reply = api.post("/v1/groups/members", json=body)
        assert reply.status_code == 200, reply.text
        assert reply.json()["metered_inputs"] == metered, (metered, reply.text)
        assert reply.json()["results"][0]["verdict"] == "passed"
