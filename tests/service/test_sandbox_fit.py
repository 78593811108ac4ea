"""A problem this deployment's sandbox cannot run is refused when it is registered or sent.

With the Docker backend a container's memory is ``sandbox.docker_memory_mb``: a problem
whose ``limits.memory_mb`` does not fit (with the scratch files, the output and the
zygote's share) is a 422 ``invalid_problem`` at PUT / POST /v1/problems and for an inline
problem, not a null reward for every response scored on it. (The API only checks: it
needs no Docker engine.)
"""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import AUTH

PROBLEM: dict[str, Any] = {"id": "fit/big", "entry_point": "f", "reference": "def f(x):\n    return x\n",
                           "tests": [{"args": [1]}], "limits": {"memory_mb": 4096}}


def test_a_problem_that_does_not_fit_the_containers_is_refused(make_cluster: Any) -> None:
    cluster = make_cluster(REWARD_SANDBOX__BACKEND="docker", REWARD_SANDBOX__DOCKER_MEMORY_MB=2400,
                           REWARD_METER__BACKEND="callgrind")
    with httpx.Client(base_url=cluster.api(), headers=AUTH, timeout=60) as client:
        reply = client.put("/v1/problems/fit/big", json=PROBLEM)
        assert reply.status_code == 422, reply.text
        assert reply.json()["error"]["code"] == "invalid_problem"
        assert "docker_memory_mb=2400" in reply.json()["error"]["message"]
        fits = dict(PROBLEM, id="fit/small", limits={"memory_mb": 1024})
        reply = client.post("/v1/problems", json={"problems": [fits, PROBLEM]})
        assert reply.status_code == 422, reply.text
        assert client.get("/v1/problems/fit/small").status_code == 404  # none registered
        assert client.put("/v1/problems/fit/small", json=fits).status_code == 201
        reply = client.post("/v1/rewards", json={"groups": [{"problem": PROBLEM, "responses": ["```python\nx\n```"]}]})
        assert reply.status_code == 422, reply.text
        assert reply.json()["error"]["code"] == "invalid_problem"
