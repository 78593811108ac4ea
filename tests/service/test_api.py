"""The API against a real Redis, a real uvicorn process and two real worker processes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import redis

from reward_service.client import GroupIn, RewardClient, RewardOptions
from reward_service.problem import Problem
from reward_service.results import ScoreOptions
from reward_service.scoring import Scorer
from reward_service.settings import Settings

from . import problems as p
from .conftest import TOKEN, Cluster, RedisServer, wait_job

LIMITS = {
    "REWARD_API__MAX_GROUPS": 8,
    "REWARD_API__MAX_RESPONSES_PER_GROUP": 32,
    "REWARD_API__MAX_CODE_CHARS": 4000,
    "REWARD_API__MAX_REQUEST_BYTES": 200_000,
    "REWARD_API__SYNC_DEADLINE_S": 60,
}


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Cluster]:
    redis_server.client().flushall()
    cluster = Cluster(redis_server.url, tmp_path_factory.mktemp("api"), data_dir, **LIMITS)
    cluster.url = cluster.api()  # type: ignore[attr-defined]
    cluster.worker()
    cluster.worker()
    cluster.wait_ready(2)
    yield cluster
    cluster.close()


def measurements(cluster: Cluster) -> int:
    client: redis.Redis[str] = redis.Redis.from_url(cluster.redis_url, decode_responses=True)
    return int(client.hget("rs:stats", "measurements") or 0)


def test_round_trip_equals_core(api: httpx.Client) -> None:
    problem = p.sumto("t/round-trip")
    assert api.put("/v1/problems/t/round-trip", json=problem).status_code == 201
    body = {"groups": [{"group_id": "g0", "problem_id": "t/round-trip", "responses": p.GROUP}]}
    reply = api.post("/v1/rewards", json=body)
    assert reply.status_code == 200, reply.text
    (group,) = reply.json()["groups"]
    assert group["group_id"] == "g0"

    with Scorer(Settings()) as scorer:
        core = scorer.score_group(Problem.model_validate(problem), p.GROUP, ScoreOptions())
    assert group["problem_version"] == core.problem_version
    got = [(r["index"], r["verdict"], r["instructions"], r["reward"]) for r in group["results"]]
    want = [(r.index, r.verdict.value, r.instructions, r.reward) for r in core.results]
    assert got == want
    verdicts = [r["verdict"] for r in group["results"]]
    assert verdicts == ["passed", "passed", "passed", "wrong_answer", "runtime_error", "no_entity",
                        "format_error", "passed"]  # fmt: skip
    rewards = [r["reward"] for r in group["results"]]
    assert rewards[0] == rewards[7] and rewards[0] > rewards[1] > rewards[2] == 1.0


def test_duplicates_measured_once(api: httpx.Client, cluster: Cluster) -> None:
    api.put("/v1/problems/t/dups", json=p.sumto("t/dups"))
    responses = [p.FAST, p.FAST_REFORMATTED, p.WRONG, p.FAST, p.WRONG, p.NO_CODE] * 3
    body = {"groups": [{"problem_id": "t/dups", "responses": responses}] * 2, "options": {"measure": False}}
    before = measurements(cluster)
    reply = api.post("/v1/rewards", json=body)
    assert reply.status_code == 200, reply.text
    assert measurements(cluster) - before == 2  # FAST (two spellings) and WRONG
    again = api.post("/v1/rewards", json=body)
    assert again.json() == reply.json()
    assert measurements(cluster) - before == 2  # the second request is served from the cache


def test_problem_versions(api: httpx.Client, cluster: Cluster) -> None:
    first = api.put("/v1/problems/t/versioned", json=p.sumto("t/versioned"))
    assert first.status_code == 201
    same = api.put("/v1/problems/t/versioned", json=p.sumto("t/versioned"))
    assert same.status_code == 200 and same.json()["version"] == first.json()["version"]
    body = {"groups": [{"problem_id": "t/versioned", "responses": [p.MEDIUM]}], "options": {"measure": False}}
    api.post("/v1/rewards", json=body)
    before = measurements(cluster)
    changed = p.sumto("t/versioned")
    changed["tests"].append({"args": [4], "expected": 10, "has_expected": True})
    second = api.put("/v1/problems/t/versioned", json=changed)
    assert second.json()["version"] != first.json()["version"]
    assert api.get("/v1/problems/t/versioned").json()["tests"][-1]["args"] == [4]
    reply = api.post("/v1/rewards", json=body)
    assert reply.json()["groups"][0]["problem_version"] == second.json()["version"]
    assert measurements(cluster) - before == 1  # the new version never reuses the old result
    imported = api.post("/v1/problems", json={"problems": [p.sumto("t/bulk1"), p.sumto("t/bulk2")]})
    assert [x["id"] for x in imported.json()["problems"]] == ["t/bulk1", "t/bulk2"]
    assert {"t/bulk1", "t/bulk2"} <= {x["id"] for x in api.get("/v1/problems").json()["problems"]}
    assert api.delete("/v1/problems/t/bulk1").status_code == 204
    assert api.get("/v1/problems/t/bulk1").json()["error"]["code"] == "unknown_problem"


def test_non_finite_inputs_and_expected_outputs_survive_the_store(api: httpx.Client) -> None:
    # A tester's finding: in queue mode a problem is stored in Redis, and an expected Infinity
    # came back as null (pydantic's JSON), so the right answer got 0.0 and `return None`
    # passed; an expected null and an expected Infinity even had the same version.
    def problem(pid: str, expected: str, arg: str = "1") -> bytes:
        return f'{{"id": "{pid}", "entry_point": "f", "tests": [{{"args": [{arg}], "expected": {expected}}}]}}'.encode()

    headers = {"content-type": "application/json"}
    inf = api.put("/v1/problems/t/inf", content=problem("t/inf", "Infinity"), headers=headers)
    null = api.put("/v1/problems/t/inf-null", content=problem("t/inf-null", "null"), headers=headers)
    assert inf.status_code == 201 and null.status_code == 201 and inf.json()["version"] != null.json()["version"]
    assert api.put("/v1/problems/t/nan-arg", content=problem("t/nan-arg", "true", "NaN"), headers=headers).status_code == 201
    responses = ["def f(x):\n    return float('inf')\n", "def f(x):\n    return None\n", "def f(x):\n    return x != x\n"]
    body = {"groups": [{"problem_id": pid, "responses": [f"```python\n{r}```" for r in responses]}
                       for pid in ("t/inf", "t/nan-arg")], "options": {"measure": False}}
    groups = api.post("/v1/rewards", json=body).json()["groups"]
    assert [r["verdict"] for r in groups[0]["results"]] == ["passed", "wrong_answer", "wrong_answer"]
    assert [r["verdict"] for r in groups[1]["results"]] == ["wrong_answer", "wrong_answer", "passed"]


def test_job_lifecycle(api: httpx.Client) -> None:
    inline = p.sumto("t/inline")
    body = {"groups": [{"problem": inline, "responses": [p.FAST, p.SLOW, p.NO_CODE]}], "options": {"round_digits": 2}}
    accepted = api.post("/v1/jobs", json=body)
    assert accepted.status_code == 202
    job = wait_job(api, accepted.json()["job_id"])
    assert job["state"] == "succeeded"
    assert job["progress"] == {"total": 3, "measured": 3}
    results = job["result"]["groups"][0]["results"]
    assert [r["reward"] for r in results] == [2.0, 1.0, -1.5]
    cancelled = api.delete(f"/v1/jobs/{job['job_id']}")
    assert cancelled.json()["state"] == "succeeded"  # a finished job stays finished

    slow = {"groups": [{"problem": inline, "responses": [p.BUSY]}], "options": {"measure": False}}
    second = api.post("/v1/jobs", json=slow).json()["job_id"]
    assert api.delete(f"/v1/jobs/{second}").json()["state"] == "cancelled"
    assert api.get(f"/v1/jobs/{second}").json()["state"] == "cancelled"


def _post(api: httpx.Client, body: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.post("/v1/rewards", content=content, headers={"content-type": "application/json"})


def test_bad_requests_get_their_codes(api: httpx.Client) -> None:
    api.put("/v1/problems/t/bad", json=p.sumto("t/bad"))
    group = {"problem_id": "t/bad", "responses": [p.FAST]}
    cases: list[tuple[Any, int, str]] = [
        (b"{not json", 422, "invalid_request"),
        ({}, 422, "invalid_request"),
        ({"groups": []}, 422, "invalid_request"),
        ({"groups": [{"responses": [p.FAST]}]}, 422, "invalid_request"),
        ({"groups": [{**group, "problem": p.sumto("t/bad")}]}, 422, "invalid_request"),
        ({"groups": [group], "options": {"round_digits": 99}}, 422, "invalid_request"),
        ({"groups": [group], "extra": 1}, 422, "invalid_request"),
        ({"groups": [{"problem": {**p.sumto(), "tests": []}, "responses": [p.FAST]}]}, 422, "invalid_problem"),
        ({"groups": [group], "options": {"meter": "perf"}}, 422, "invalid_input"),
        ({"groups": [{"problem_id": "t/none", "responses": [p.FAST]}]}, 404, "unknown_problem"),
        ({"groups": [group] * 9}, 413, "limit_exceeded"),
        ({"groups": [{**group, "responses": [p.FAST] * 33}]}, 413, "limit_exceeded"),
        ({"groups": [{**group, "responses": [p.fenced("x = 1\n" * 800)]}]}, 413, "limit_exceeded"),
        ({"groups": [{**group, "responses": ["x" * 3000] * 30}] * 3}, 413, "limit_exceeded"),
    ]
    for body, status, code in cases:
        reply = _post(api, body)
        assert (reply.status_code, reply.json()["error"]["code"]) == (status, code), (body, reply.text)
        assert "Traceback" not in reply.text
    other = [
        (api.get("/v1/jobs/nope"), 404, "unknown_job"),
        (api.get("/v1/nowhere"), 404, "not_found"),
        (api.patch("/v1/rewards", json={}), 405, "method_not_allowed"),
        (api.put("/v1/problems/t/other", json=p.sumto("t/bad")), 422, "invalid_problem"),
        (api.put("/v1/problems/t/x", content=b"[1]", headers={"content-type": "application/json"}), 422,
         "invalid_request"),
    ]  # fmt: skip
    for reply, status, code in other:
        assert (reply.status_code, reply.json()["error"]["code"]) == (status, code), reply.text


def test_auth_enforced(cluster: Cluster) -> None:
    url = cluster.url  # type: ignore[attr-defined]
    body = {"groups": [{"problem_id": "t/x", "responses": [p.FAST]}]}
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": "Basic abc"}):
        for reply in (
            httpx.post(url + "/v1/rewards", json=body, headers=headers),
            httpx.post(url + "/v1/jobs", json=body, headers=headers),
            httpx.get(url + "/v1/problems/t/x", headers=headers),
        ):
            assert reply.status_code == 401 and reply.json()["error"]["code"] == "unauthorized"
    assert httpx.get(url + "/healthz").status_code == 200
    ready = httpx.get(url + "/readyz").json()
    assert ready == {"ready": True, "checks": {"redis": True, "workers": True, "sandbox": True, "environment": True},
                     "reason": None}  # fmt: skip
    for probe in ("/healthz", "/readyz"):  # load balancers probe with HEAD
        head = httpx.head(url + probe)
        assert head.status_code == 200 and head.content == b"", probe


def test_metrics(api: httpx.Client, cluster: Cluster) -> None:
    text = httpx.get(cluster.url + "/metrics").text  # type: ignore[attr-defined]
    for name in ("reward_http_requests_total", "reward_http_request_duration_seconds_bucket",
                 "reward_candidates_scored_total", "reward_cache_lookups_total", "reward_queue_depth",
                 "reward_queue_oldest_task_age_seconds", "reward_workers_live 2.0", "reward_worker_slots 2.0",
                 "reward_worker_slots_busy", "reward_cluster_measurements_total",
                 "reward_cluster_tasks_reclaimed_total", "reward_cluster_tasks_dead_lettered_total"):  # fmt: skip
        assert name in text, name


def _scored(cluster: Cluster) -> float:
    text = httpx.get(cluster.url + "/metrics").text  # type: ignore[attr-defined]
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("reward_candidates_scored_total{"))


def test_every_answered_response_is_counted_once(api: httpx.Client, cluster: Cluster) -> None:
    api.put("/v1/problems/t/counted", json=p.sumto("t/counted"))
    options = {"measure": False}
    before = _scored(cluster)
    batch = api.post("/v1/rewards", json={"groups": [{"problem_id": "t/counted", "responses": [p.FAST, p.WRONG]}],
                                          "options": options})  # fmt: skip
    assert batch.status_code == 200, batch.text
    assert _scored(cluster) - before == 2
    members = api.post("/v1/groups/members", json={"group_key": "counted/1", "size": 3, "problem_id": "t/counted",
                                                   "members": [{"index": i, "response": r} for i, r in
                                                               enumerate([p.FAST, p.WRONG, p.NO_CODE])],
                                                   "options": options})  # fmt: skip
    assert members.status_code == 200, members.text
    assert _scored(cluster) - before == 5
    compat = api.post("/v1/compat/openrlhf?n=1", json={"query": ["q" + p.FAST], "prompts": ["q"], "labels": ["t/counted"]})
    assert compat.status_code == 200, compat.text
    assert _scored(cluster) - before == 6


def test_client_problem_ids_with_reserved_characters(api: httpx.Client, cluster: Cluster) -> None:
    ids = ["a?b", "a#b", "a%2Fb", "a b", "/lead", "x/../y", "ü/é", ".."]
    with RewardClient(cluster.url, token=TOKEN, deadline_s=60) as client:  # type: ignore[attr-defined]
        for pid in ids:
            info = client.put_problem(Problem.model_validate(p.sumto(pid)))
            assert info.id == pid and info.created, (pid, info)
            got = api.get(f"/v1/problems/{quote(pid, safe='').replace('..', '%2E%2E')}")
            assert got.status_code == 200 and got.json()["id"] == pid, (pid, got.text)
        reply = client.rewards([GroupIn(problem_id=pid, responses=[p.FAST]) for pid in ids], RewardOptions(measure=False))
    assert [g.problem_id for g in reply.groups] == ids
    assert all(g.results[0].verdict.value == "passed" for g in reply.groups)
    listed = {i["id"] for i in api.get("/v1/problems").json()["problems"]}
    assert set(ids) <= listed and not {"a", "x/y", "y", "lead", "a/b"} & listed


def test_worker_check(cluster: Cluster, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, **cluster.env}
    ok = subprocess.run([sys.executable, "-m", "reward_service.service", "worker", "--check"], env=env)
    assert ok.returncode == 0
    env["REWARD_REDIS_URL"] = "redis://127.0.0.1:1/0"
    down = subprocess.run([sys.executable, "-m", "reward_service.service", "worker", "--check"], env=env)
    assert down.returncode == 1
    time.sleep(0)


def test_problem_code_sent_over_http_never_runs_on_the_host(api: httpx.Client, tmp_path: Path) -> None:
    """A problem is data: its checker, generator, setup and output encoder run in the sandbox."""
    marker = tmp_path / "pwned"
    touch = f"open({str(marker)!r}, 'a').write('x')\n"
    problem = p.sumto("t/hostile-problem")
    problem["setup"] = "try:\n    " + touch + "except OSError:\n    pass\n"
    problem["comparison"] = {"mode": "checker", "checker": (
        "def check(inp, expected, actual):\n    try:\n        " + touch + "    except OSError:\n        pass\n"
        "    return expected == actual\n")}
    problem["performance"] = {"generator": (
        "def generate(scale, seed):\n    try:\n        " + touch + "    except OSError:\n        pass\n"
        "    return {'args': [scale]}\n"), "scale": 2000}
    problem["output_encoder"] = "def encode(v):\n    try:\n        " + touch + "    except OSError:\n        pass\n    return v\n"
    assert api.put("/v1/problems/t/hostile-problem", json=problem).status_code == 201
    body = {"groups": [{"problem_id": "t/hostile-problem", "responses": [p.FAST, p.SLOW, p.WRONG]}]}
    reply = api.post("/v1/rewards", json=body)
    assert reply.status_code == 200, reply.text
    verdicts = [r["verdict"] for r in reply.json()["groups"][0]["results"]]
    assert verdicts == ["passed", "passed", "wrong_answer"]
    assert not marker.exists()  # nothing of the host was reachable from any of them


def test_invalid_problem_is_said_once_for_the_group(api: httpx.Client) -> None:
    """A problem whose reference fails: the group carries one clear error, its code members
    reward null (masked) with verdict invalid_problem, never 0.0 and never sandbox_error."""
    broken = {"id": "t/broken-ref", "entry_point": "f", "reference": "def f(x):\n    return x[10]\n",
              "tests": [{"args": [[1, 2]]}]}
    responses = [f"```python\ndef f(x):\n    return x[{k}]\n```" for k in range(3)] + ["no code"]
    reply = api.post("/v1/rewards", json={"groups": [{"problem": broken, "responses": responses}],
                                         "options": {"measure": False}})
    assert reply.status_code == 200, reply.text
    group = reply.json()["groups"][0]
    assert group["error"]["code"] == "invalid_problem"
    assert "t/broken-ref" in group["error"]["message"] and "IndexError" in group["error"]["message"]
    assert [r["verdict"] for r in group["results"]] == ["invalid_problem"] * 3 + ["format_error"]
    assert [r["reward"] for r in group["results"]] == [None, None, None, -1.5]


@pytest.mark.parametrize("broken", [
    {"setup": "raise ValueError('no table')"},
    {"comparison": {"mode": "checker", "checker": "def check(inp, expected, actual):\n    raise KeyError(1)\n"}},
    {"reference": "def f(x):\n    return float('nan')\n"},
], ids=["setup", "checker", "nan"])
def test_problem_code_failure_is_said_once_for_the_group(api: httpx.Client, broken: dict[str, object]) -> None:
    """The problem's own code failing, or its comparison refusing its expected output, is
    said like a failing reference: one group error, its members masked (reward null)."""
    problem = {"id": f"t/broken-{next(iter(broken))}", "entry_point": "f", "reference": "def f(x):\n    return x\n",
               "tests": [{"args": [1]}], **broken}
    responses = ["```python\ndef f(x):\n    return x\n```", "```python\ndef f(x):\n    return float('nan')\n```"]
    reply = api.post("/v1/rewards", json={"groups": [{"problem": problem, "responses": responses}],
                                         "options": {"measure": False}})
    assert reply.status_code == 200, reply.text
    group = reply.json()["groups"][0]
    assert group["error"]["code"] == "invalid_problem" and problem["id"] in group["error"]["message"]
    assert [r["verdict"] for r in group["results"]] == ["invalid_problem"] * 2
    assert [r["reward"] for r in group["results"]] == [None, None]


def test_the_api_process_does_not_import_the_sandbox() -> None:
    """The API only plans and assembles (reward_service.pipeline): the sandbox, the judge and
    the scorer stay out of its process."""
    import subprocess
    import sys

    code = ("import sys, reward_service.service.app, reward_service.cli\n"
            "bad = sorted(m for m in sys.modules if m.startswith('reward_service.sandbox') or m in "
            "('reward_service.scoring', 'reward_service.judge', 'reward_service.expected', 'reward_service.runs'))\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]", out.stdout
