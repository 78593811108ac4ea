"""The compose deployment end to end: build from the local base, up, score a batch, scale, down.

Runs redis, api, worker and prometheus (Debian stand-ins for the third-party images, see
deploy/local-images.sh); grafana has no Debian stand-in and is not started here. The batch
is real: MBPP+ problems with EvalPerf performance generators, scored with a fast and a slow
model solution of each (``reward_service.datasets``) and typical failures.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reward_service.datasets import evalperf_problems, perf_solutions
from reward_service.sandbox.docker_backend import OWNER_LABEL, SANDBOX_LABEL

from .conftest import ROOT, extra_ca_pem, sh

pytestmark = pytest.mark.docker

PROJECT = "rs-compose-test"
SERVICES = ["redis", "api", "worker", "prometheus"]


def compose_cmd() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return ["docker", "compose"]


@pytest.fixture(scope="module")
def stack(base_image: str) -> Iterator[tuple[list[str], dict[str, str], str]]:
    exports = sh([str(ROOT / "deploy" / "local-images.sh")], timeout=900).stdout
    env = dict(os.environ)
    for line in exports.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = value
    port = "18080"
    env.update(
        REWARD_API_TOKEN=secrets.token_hex(16), GRAFANA_ADMIN_PASSWORD=secrets.token_hex(8),
        DOCKER_GID=str(os.stat("/var/run/docker.sock").st_gid), EXTRA_CA_PEM=extra_ca_pem(),
        REWARD_API_PORT=port, PROMETHEUS_PORT="19090", COMPOSE_PROJECT_NAME=PROJECT,
    )
    cmd = [*compose_cmd(), "-f", str(ROOT / "docker-compose.yml")]
    sh([*cmd, "build", "sandbox-image", "api", "worker"], timeout=1200, env=env)
    try:
        sh([*cmd, "up", "-d", *SERVICES], timeout=600, env=env)
        yield cmd, env, f"http://127.0.0.1:{port}"
    finally:
        logs = subprocess.run([*cmd, "logs", "--tail", "40"], capture_output=True, text=True, env=env, cwd=ROOT)
        print(logs.stdout[-6000:])
        subprocess.run([*cmd, "down", "-v", "--remove-orphans"], capture_output=True, env=env, cwd=ROOT,
                       timeout=300)


def health(cmd: list[str], env: dict[str, str]) -> dict[str, str]:
    ids = sh([*cmd, "ps", "-q"], env=env).stdout.split()
    out: dict[str, str] = {}
    for cid in ids:
        info = json.loads(sh(["docker", "inspect", cid]).stdout)[0]
        name = info["Config"]["Labels"].get("com.docker.compose.service", cid)
        state = info["State"]
        out[f"{name}/{cid[:6]}"] = state.get("Health", {}).get("Status", state["Status"])
    return out


def wait_healthy(cmd: list[str], env: dict[str, str], expect: int, timeout: float = 240) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        states = health(cmd, env)
        running = {k: v for k, v in states.items() if not k.startswith("sandbox-image/")}
        if len(running) >= expect and all(v == "healthy" for v in running.values()):
            return states
        assert time.monotonic() < deadline, f"not healthy in {timeout}s: {states}"
        time.sleep(2)


#: cheap under callgrind (a few seconds for the slow solution), high contrast
TASKS = ["Mbpp/96", "Mbpp/166"]
EXPECTED_VERDICTS = ["passed", "passed", "wrong_answer", "runtime_error", "no_entity", "format_error", "passed"]


def fenced(code: str, prose: str = "Here is my solution.") -> str:
    return f"{prose}\n\n```python\n{code.strip()}\n```\n"


def real_batch(group_suffix: str = "") -> dict[str, Any]:
    """Per task: fast, slow, wrong, crashing, no entity, no code, the fast one reformatted."""
    by_id = {p.id: p for p in evalperf_problems()}
    groups = []
    for task_id in TASKS:
        problem = by_id[task_id]
        fast, slow = perf_solutions(task_id)
        name = problem.entry.function
        responses = [
            fenced(fast), fenced(slow, "A straightforward approach:"),
            fenced(f"def {name}(*args, **kwargs):\n    return None"),
            fenced(f"def {name}(*args, **kwargs):\n    raise ValueError('no')"),
            fenced("def helper(x):\n    return x"),
            f"Loop over the input and call {name}.",
            fenced(f"# the same, commented\n{fast}", "Same idea:"),
        ]
        groups.append({"group_id": task_id + group_suffix, "problem": problem.model_dump(mode="json"),
                       "responses": responses})
    return {"groups": groups}


def test_compose_up_score_scale_down(stack: tuple[list[str], dict[str, str], str]) -> None:
    cmd, env, api = stack
    wait_healthy(cmd, env, expect=len(SERVICES))
    auth = {"Authorization": f"Bearer {env['REWARD_API_TOKEN']}"}
    body = real_batch()
    with httpx.Client(base_url=api, timeout=300) as client:
        assert client.post("/v1/rewards", json=body).status_code == 401  # the token is required
        r = client.post("/v1/rewards", json=body, headers=auth)
        assert r.status_code == 200, r.text
        for group in r.json()["groups"]:
            results = group["results"]
            assert [x["verdict"] for x in results] == EXPECTED_VERDICTS, (group["group_id"], results)
            rewards = [x["reward"] for x in results]
            assert rewards[0] > rewards[1], group  # the faster solution gets the higher reward
            assert rewards[0] == rewards[6]  # same program (comments aside): same reward
            assert rewards[2:6] == [0.0, 0.0, -0.5, -1.5]
            fast, slow = results[0]["instructions"], results[1]["instructions"]
            assert 0 < 10 * fast < slow, (fast, slow)

    sh([*cmd, "up", "-d", "--scale", "worker=2", *SERVICES], timeout=600, env=env)
    states = wait_healthy(cmd, env, expect=len(SERVICES) + 1)
    assert sum(1 for k in states if k.startswith("worker/")) == 2
    with httpx.Client(base_url=api, timeout=300) as client:
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        # New group ids, same programs: answered again (from the result cache or either worker).
        r = client.post("/v1/rewards", json=real_batch("/2"), headers=auth)
        assert r.status_code == 200, r.text
        for group in r.json()["groups"]:
            assert [x["verdict"] for x in group["results"]] == EXPECTED_VERDICTS
    # Prometheus scrapes both worker replicas.
    deadline = time.monotonic() + 60
    while True:
        q = httpx.get("http://127.0.0.1:19090/api/v1/query", params={"query": 'up{job="reward-worker"} == 1'}).json()
        if len(q["data"]["result"]) == 2:
            break
        assert time.monotonic() < deadline, q
        time.sleep(2)


def test_down_removes_the_stack_and_its_sandboxes(stack: tuple[list[str], dict[str, str], str]) -> None:
    """`down -v` stops the workers gracefully: they remove the sandbox containers they started."""
    cmd, env, _ = stack
    workers = []
    for cid in sh([*cmd, "ps", "-q", "worker"], env=env).stdout.split():
        workers.append(json.loads(sh(["docker", "inspect", cid]).stdout)[0]["Config"]["Hostname"])
    assert workers
    sh([*cmd, "down", "-v", "--remove-orphans"], timeout=300, env=env)
    assert sh([*cmd, "ps", "-q"], env=env).stdout.split() == []
    volumes = sh(["docker", "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}"])
    assert volumes.stdout.split() == []
    listed = sh(["docker", "ps", "-aq", "--filter", f"label={SANDBOX_LABEL}"]).stdout.split()
    owners = [json.loads(sh(["docker", "inspect", c]).stdout)[0]["Config"]["Labels"].get(OWNER_LABEL, "")
              for c in listed]
    left = [o for o in owners if o.split(":")[0] in workers]
    assert left == [], f"sandbox containers left behind by the workers: {left}"
