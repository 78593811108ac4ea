"""Groups assembled across requests: two API processes on one Redis, one worker.

Members in any order to either API, duplicates, a member that never comes (the deadline
gives partial rewards), an API killed with members waiting (the retry gets its reward);
every complete group's rewards equal one request's scoring of the whole group.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from reward_service.client import RewardClient, RewardOptions, ServiceError

from . import problems as p
from .conftest import AUTH, TOKEN, Cluster, RedisServer


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Cluster]:
    redis_server.client().flushall()
    cluster = Cluster(redis_server.url, tmp_path_factory.mktemp("rdv"), data_dir, REWARD_API__SYNC_DEADLINE_S=60)
    cluster.urls = [cluster.api(), cluster.api()]  # type: ignore[attr-defined]
    cluster.worker()
    cluster.wait_ready(1)
    with httpx.Client(base_url=cluster.urls[0], headers=AUTH) as api:  # type: ignore[attr-defined]
        assert api.put("/v1/problems/t/rdv", json=p.sumto("t/rdv")).status_code in (200, 201)
    yield cluster
    cluster.close()


def one_request(url: str, responses: list[str]) -> list[tuple[str, float | None]]:
    body = {"groups": [{"problem_id": "t/rdv", "responses": responses}]}
    reply = httpx.post(url + "/v1/rewards", json=body, headers=AUTH, timeout=120)
    assert reply.status_code == 200, reply.text
    return [(r["verdict"], r["reward"]) for r in reply.json()["groups"][0]["results"]]


def measurements(cluster: Cluster) -> int:
    client: redis.Redis[str] = redis.Redis.from_url(cluster.redis_url, decode_responses=True)
    return int(client.hget("rs:stats", "measurements") or 0)


def test_any_order_two_apis_duplicates_equal_one_request(pair: Cluster) -> None:
    urls: list[str] = pair.urls  # type: ignore[attr-defined]
    group = [p.FAST, p.MEDIUM, p.SLOW, p.WRONG, p.NO_CODE, p.FAST_REFORMATTED, p.CRASH, p.NO_ENTITY]
    order = list(range(len(group))) * 2  # every member twice: resends are idempotent
    random.Random(7).shuffle(order)
    clients = [RewardClient(u, token=TOKEN) for u in urls]
    before = measurements(pair)

    def send(k: int) -> tuple[int, Any]:
        index = order[k]
        reply = clients[k % 2].group_members("t/order", len(group), [(index, group[index])], problem_id="t/rdv",
                                             deadline_s=60)  # fmt: skip
        return index, reply

    with ThreadPoolExecutor(len(order)) as pool:
        replies = list(pool.map(send, range(len(order))))
    for c in clients:
        c.close()
    measured = measurements(pair) - before
    want = one_request(urls[0], group)
    for index, reply in replies:
        assert reply.complete and not reply.partial and reply.present == list(range(len(group)))
        (result,) = reply.results
        assert result.index == index
        assert (result.verdict.value, result.reward) == want[index]
    # FAST and FAST_REFORMATTED share one code; the triaged ones never run; duplicates never re-run.
    assert measured == 5


def test_member_that_never_comes_gives_partial(pair: Cluster) -> None:
    urls: list[str] = pair.urls  # type: ignore[attr-defined]
    group = [p.FAST, p.SLOW, p.WRONG]
    with RewardClient(urls[1], token=TOKEN) as client:
        start = time.monotonic()
        reply = client.group_members("t/partial", 4, list(enumerate(group)), problem_id="t/rdv",
                                     options=RewardOptions(deadline_s=4))  # fmt: skip
        waited = time.monotonic() - start
    assert reply.partial and not reply.complete and reply.present == [0, 1, 2]
    assert 3.5 < waited < 30
    # Released at its deadline, then cleaned up: the group expires after its last caller's deadline + grace.
    ttl_ms = redis.Redis.from_url(pair.redis_url).pttl("rs:group:t/partial")
    assert 0 < ttl_ms <= (4 + 600) * 1000
    assert [(r.verdict.value, r.reward) for r in reply.results] == one_request(urls[0], group)


def test_conflicting_member_is_409(pair: Cluster) -> None:
    url = pair.urls[0]  # type: ignore[attr-defined]
    with RewardClient(url, token=TOKEN) as client:
        client.group_members("t/conflict", 2, [(0, p.NO_CODE)], problem_id="t/rdv", options=RewardOptions(deadline_s=1))
        start = time.monotonic()
        with pytest.raises(ServiceError) as caught:
            client.group_members("t/conflict", 2, [(0, p.WRONG)], problem_id="t/rdv", options=RewardOptions(deadline_s=1))
        assert caught.value.status_code == 409 and caught.value.error_code == "conflict"
        with pytest.raises(ServiceError) as size:
            client.group_members("t/conflict", 3, [(1, p.WRONG)], problem_id="t/rdv", options=RewardOptions(deadline_s=1))
        assert size.value.status_code == 409
        assert time.monotonic() - start < 5  # 4xx are never retried


def test_api_killed_with_members_waiting(redis_server: RedisServer, make_cluster: Any) -> None:
    cluster: Cluster = make_cluster(REWARD_API__SYNC_DEADLINE_S=60)
    victim_url, survivor_url = cluster.api(), cluster.api()
    victim = cluster.procs[0]
    cluster.worker()
    cluster.wait_ready(1)
    httpx.put(survivor_url + "/v1/problems/t/rdv", json=p.sumto("t/rdv"), headers=AUTH)
    group = [p.FAST, p.MEDIUM, p.SLOW, p.WRONG]
    first = {"group_key": "t/killed", "size": 4, "problem_id": "t/rdv",
             "members": [{"index": i, "response": group[i]} for i in (0, 1)]}  # fmt: skip
    outcome: list[BaseException] = []

    def doomed() -> None:
        try:
            httpx.post(victim_url + "/v1/groups/members", json=first, headers=AUTH, timeout=60)
        except httpx.TransportError as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=doomed)
    waiter.start()
    client = redis.Redis.from_url(cluster.redis_url, decode_responses=True)
    deadline = time.monotonic() + 30
    while client.hlen("rs:group:t/killed") < 3 and time.monotonic() < deadline:  # meta + two members
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    waiter.join(30)
    assert outcome, "the waiting request should have lost its connection"
    with RewardClient(survivor_url, token=TOKEN) as retry, ThreadPoolExecutor(2) as pool:
        rest = pool.submit(retry.group_members, "t/killed", 4, [(2, group[2]), (3, group[3])], problem_id="t/rdv")
        again = pool.submit(retry.group_members, "t/killed", 4, [(0, group[0]), (1, group[1])], problem_id="t/rdv")
        replies = [again.result(90), rest.result(90)]
    want = one_request(survivor_url, group)
    got = [(r.verdict.value, r.reward) for reply in replies for r in reply.results]
    assert all(reply.complete for reply in replies)
    assert got == want


def test_member_ids_get_free_indices(pair: Cluster) -> None:
    urls: list[str] = pair.urls  # type: ignore[attr-defined]
    group = {"a": p.FAST, "b": p.SLOW, "c": p.WRONG}
    sends = ["a", "b", "c", "b"]  # "b" resent: same index, same reward

    def send(k: int) -> tuple[str, Any]:
        member = sends[k]
        body = {"group_key": "t/ids", "size": 3, "problem_id": "t/rdv",
                "members": [{"member_id": member, "response": group[member]}]}  # fmt: skip
        reply = httpx.post(urls[k % 2] + "/v1/groups/members", json=body, headers=AUTH, timeout=60)
        assert reply.status_code == 200, reply.text
        return member, reply.json()

    with ThreadPoolExecutor(len(sends)) as pool:
        replies = list(pool.map(send, range(len(sends))))
    index = {m: r["results"][0]["index"] for m, r in replies}
    assert sorted(index.values()) == [0, 1, 2]
    by_index = [m for m, _ in sorted(index.items(), key=lambda kv: kv[1])]
    want = one_request(urls[0], [group[m] for m in by_index])
    for member, reply in replies:
        assert reply["complete"]
        result = reply["results"][0]
        assert (result["verdict"], result["reward"]) == want[index[member]]
    full = {"group_key": "t/ids", "size": 3, "problem_id": "t/rdv", "members": [{"member_id": "d", "response": p.MEDIUM}]}
    assert httpx.post(urls[0] + "/v1/groups/members", json=full, headers=AUTH).status_code == 409


def test_a_problem_replaced_on_another_api_is_used_at_once(pair: Cluster) -> None:
    """An API recalls the version it last saw under an id; a replacement made through the
    other API is seen by the very next member (the version is checked with the submit)."""
    urls: list[str] = pair.urls  # type: ignore[attr-defined]
    with httpx.Client(headers=AUTH, timeout=60) as api:

        def member(group_key: str) -> str:
            body = {"group_key": group_key, "size": 1, "problem_id": "t/moved",
                    "members": [{"index": 0, "response": p.NO_CODE}]}  # fmt: skip
            reply = api.post(urls[1] + "/v1/groups/members", json=body)
            assert reply.status_code == 200, reply.text
            return str(reply.json()["problem_version"])

        first = api.put(urls[0] + "/v1/problems/t/moved", json=p.sumto("t/moved", scale=3000)).json()["version"]
        assert member("t/moved/1") == first
        second = api.put(urls[0] + "/v1/problems/t/moved", json=p.sumto("t/moved", scale=4000)).json()["version"]
        assert second != first and member("t/moved/2") == second
        assert api.delete(urls[0] + "/v1/problems/t/moved").status_code in (200, 204)
        body = {"group_key": "t/moved/3", "size": 1, "problem_id": "t/moved", "members": [{"index": 0, "response": p.NO_CODE}]}
        assert api.post(urls[1] + "/v1/groups/members", json=body).status_code == 404
