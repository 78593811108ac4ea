"""Real services for the service tests: Debian's redis-server, uvicorn API processes and
worker processes, all on loopback, started here and killed after."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server with AOF persistence (appendfsync always), restartable on its port."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis[str]:
        return redis.Redis.from_url(self.url, decode_responses=True)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
             "--logfile", str(self.dir / "redis.log")],
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: redis flushes the AOF and exits
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for every process, its native meter built once up front (processes
    building it at the same moment race in meter.native.build_extension)."""
    from reward_service.scoring import Scorer
    from reward_service.settings import Settings

    path = tmp_path_factory.mktemp("data")
    with Scorer(Settings(data_dir=path)):
        pass
    return path


class Cluster:
    """API and worker processes against one Redis; everything started is stopped at close()."""

    def __init__(self, redis_url: str, logs: Path, data: Path, **env: Any) -> None:
        self.redis_url = redis_url
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self.env = {
            "REWARD_REDIS_URL": redis_url,
            "REWARD_API__TOKENS": json.dumps([TOKEN]),
            "REWARD_WORKER__VISIBILITY_TIMEOUT_S": "3",
            "REWARD_WORKER__HEARTBEAT_S": "0.5",
            "REWARD_DATA_DIR": str(data),
            "PYTHONUNBUFFERED": "1",
        }
        self.env.update({k: str(v) for k, v in env.items()})

    def _spawn(self, name: str, args: list[str], env: dict[str, Any]) -> subprocess.Popen[bytes]:
        full = {**os.environ, **self.env, **{k: str(v) for k, v in env.items()}}
        with (self.logs / f"{name}-{len(self.procs)}.log").open("wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "reward_service.service", *args], env=full, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        self.procs.append(proc)
        return proc

    def api(self, **env: Any) -> str:
        port = free_port()
        proc = self._spawn("api", ["serve", "--port", str(port)], env)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"API exited with {proc.returncode}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("API did not start")

    def worker(self, **env: Any) -> subprocess.Popen[bytes]:
        return self._spawn("worker", ["worker"], env)

    def wait_ready(self, workers: int, timeout_s: float = 60) -> None:
        """Until ``workers`` workers have a live heartbeat and a sandbox that passed its self-check."""
        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            names = list(client.scan_iter("rs:worker:*"))
            beats = [json.loads(v) for v in client.mget(names) if v] if names else []
            if sum(1 for b in beats if b.get("sandbox_ready")) >= workers:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{workers} ready workers did not appear")

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def make_cluster(redis_server: RedisServer, tmp_path: Path, data_dir: Path) -> Iterator[Any]:
    """A factory: each test builds the cluster it needs against a flushed Redis."""
    redis_server.client().flushall()
    made: list[Cluster] = []

    def make(**env: Any) -> Cluster:
        cluster = Cluster(redis_server.url, tmp_path, data_dir, **env)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.close()


def wait_job(client: httpx.Client, job_id: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/jobs/{job_id}")
        if reply.status_code == 200 and reply.json()["state"] in ("succeeded", "cancelled"):
            body: dict[str, Any] = reply.json()
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture
def api(cluster: Cluster) -> Iterator[httpx.Client]:
    """An authenticated client of the module's own ``cluster`` fixture."""
    with httpx.Client(base_url=cluster.url, headers=AUTH, timeout=120) as client:  # type: ignore[attr-defined]
        yield client
