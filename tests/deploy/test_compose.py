"""The compose deployment end to end: build from the local base, up, score a batch, scale, down.

Runs redis, api, worker and prometheus (Debian stand-ins for the third-party images, see
deploy/local-images.sh); grafana has no Debian stand-in and is not started here.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from ..service import problems as P
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


def _worker_builds_the_meter_on_its_host() -> bool:
    """The service image has no compiler or valgrind: a docker-backend worker must not build the
    meter helper itself (scoring.make_sandbox must hand DockerSandbox its container meter)."""
    import inspect

    from reward_service import scoring

    src = inspect.getsource(scoring.make_sandbox)
    return "make_meter(" in src and src.index("make_meter(") < src.index('"docker"')


@pytest.mark.skipif(_worker_builds_the_meter_on_its_host(),
                    reason="waiting for scoring.make_sandbox to skip the host meter build for the docker backend")
def test_compose_up_score_scale_down(stack: tuple[list[str], dict[str, str], str]) -> None:
    cmd, env, api = stack
    wait_healthy(cmd, env, expect=len(SERVICES))
    auth = {"Authorization": f"Bearer {env['REWARD_API_TOKEN']}"}
    body = {"groups": [{"group_id": "g", "problem": P.sumto(), "responses": P.GROUP}]}
    with httpx.Client(base_url=api, timeout=300) as client:
        assert client.post("/v1/rewards", json=body).status_code == 401  # the token is required
        r = client.post("/v1/rewards", json=body, headers=auth)
        assert r.status_code == 200, r.text
        results = r.json()["groups"][0]["results"]
        verdicts = [x["verdict"] for x in results]
        assert verdicts == ["passed", "passed", "passed", "wrong_answer", "runtime_error", "no_entity",
                            "format_error", "passed"]
        rewards = [x["reward"] for x in results]
        assert rewards[0] > rewards[1] > rewards[2]  # closed form > sum(range) > loop
        assert rewards[3:7] == [0.0, 0.0, -0.5, -1.5]
        assert all(x["instructions"] for x in results if x["verdict"] == "passed")

    sh([*cmd, "up", "-d", "--scale", "worker=2", *SERVICES], timeout=600, env=env)
    states = wait_healthy(cmd, env, expect=len(SERVICES) + 1)
    assert sum(1 for k in states if k.startswith("worker/")) == 2
    with httpx.Client(base_url=api, timeout=300) as client:
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        body["groups"][0]["group_id"] = "g2"
        body["groups"][0]["responses"] = [P.SLOW, P.FAST]
        r = client.post("/v1/rewards", json=body, headers=auth)
        assert r.status_code == 200, r.text
        assert [x["verdict"] for x in r.json()["groups"][0]["results"]] == ["passed", "passed"]
    # Prometheus scrapes both worker replicas.
    deadline = time.monotonic() + 60
    while True:
        q = httpx.get("http://127.0.0.1:19090/api/v1/query", params={"query": 'up{job="reward-worker"} == 1'}).json()
        if len(q["data"]["result"]) == 2:
            break
        assert time.monotonic() < deadline, q
        time.sleep(2)
