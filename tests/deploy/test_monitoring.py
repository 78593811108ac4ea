"""Monitoring: Debian's Prometheus scrapes a live ``reward-service serve`` while it scores
batches, and every PromQL expression of the Grafana dashboard returns data.

The dashboard JSON is the one Grafana provisions (deploy/grafana/); Grafana itself is not
run here (Debian does not package it), so this is where its queries are tested.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ..service import problems as P
from .conftest import ROOT, sh

DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "reward-service.json"
DATASOURCES = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
PROVIDERS = ROOT / "deploy" / "grafana" / "provisioning" / "dashboards" / "reward-service.yml"
RATE_INTERVAL = "1m"  # what Grafana's $__rate_interval becomes here (scrapes every second)


def dashboard_exprs() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [(p["title"], t["expr"]) for p in panels for t in p.get("targets", [])]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args} exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout}s: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- static checks
def test_dashboard_shows_throughput_first() -> None:
    dash = json.loads(DASHBOARD.read_text())
    panels = [p for p in dash["panels"] if p["type"] != "row"]
    top = min(panels, key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    assert top["title"] == "Candidates scored per second, by verdict"
    assert "reward_candidates_scored_total" in top["targets"][0]["expr"]
    assert "by (verdict)" in top["targets"][0]["expr"]


def test_dashboard_panels_use_the_provisioned_datasource_and_do_not_overlap() -> None:
    uid = yaml.safe_load(DATASOURCES.read_text())["datasources"][0]["uid"]
    dash = json.loads(DASHBOARD.read_text())
    cells: set[tuple[int, int]] = set()
    for p in dash["panels"]:
        if p["type"] != "row":
            assert p["datasource"]["uid"] == uid, p["title"]
            assert all(t["datasource"]["uid"] == uid for t in p["targets"]), p["title"]
        g = p["gridPos"]
        assert g["x"] + g["w"] <= 24, p["title"]
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & mine, f"panel {p['title']!r} overlaps another"
        cells |= mine
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"])
    provider = yaml.safe_load(PROVIDERS.read_text())["providers"][0]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


# ---------------------------------------------------------------- live
@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    """Debian's prometheus, installed with apt when missing."""
    found = shutil.which("prometheus")
    if found:
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    proc = subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"],
                          capture_output=True, text=True, timeout=600, env=env)
    if proc.returncode != 0:  # stale package lists on a fresh machine
        subprocess.run([*prefix, "apt-get", "update", "-qq"], capture_output=True, timeout=600, env=env)
        sh([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"], env=env)
    found = shutil.which("prometheus") or "/usr/bin/prometheus"
    assert Path(found).exists(), "apt-get install prometheus did not provide /usr/bin/prometheus"
    return found


def test_prometheus_config_is_valid(prometheus_bin: str) -> None:
    promtool = shutil.which("promtool") or str(Path(prometheus_bin).with_name("promtool"))
    out = sh([promtool, "check", "config", str(ROOT / "deploy" / "prometheus" / "prometheus.yml")])
    assert "SUCCESS" in out.stdout + out.stderr


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``reward-service serve`` from this repository (embedded sandbox, in-process queue)."""
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    exe = shutil.which("reward-service")
    cmd = [exe] if exe else [sys.executable, "-c", "from reward_service.cli import main; main()"]
    log = tmp / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_")}
    env.update(REWARD_DATA_DIR=str(tmp / "data"), REWARD_METER__BACKEND="callgrind")
    with open(log, "wb") as fh:
        proc = subprocess.Popen([*cmd, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def prometheus(prometheus_bin: str, service: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "reward-api", "static_configs": [{"targets": [service.split("//")[1]]}]}],
    }
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = tmp / "prometheus.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [prometheus_bin, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle"],
            stdout=fh, stderr=subprocess.STDOUT, cwd=tmp,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/-/ready", 60, proc, log)
        yield url
    finally:
        stop(proc)


def query(prom: str, expr: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{prom}/api/v1/query", params={"query": expr}, timeout=10)
    body = r.json()
    assert r.status_code == 200 and body["status"] == "success", f"{expr}: {body}"
    return list(body["data"]["result"])


def test_every_dashboard_expression_returns_data(service: str, prometheus: str) -> None:
    # The target is up before the work starts, so rates see the counters rise.
    deadline = time.monotonic() + 30
    while not [s for s in query(prometheus, 'up{job="reward-api"} == 1')]:
        assert time.monotonic() < deadline, "prometheus never scraped the service"
        time.sleep(0.5)
    time.sleep(2)
    body = {"groups": [{"group_id": "g", "problem": P.sumto(), "responses": P.GROUP}]}
    with httpx.Client(base_url=service, timeout=300) as client:
        for _ in range(2):  # the second batch is answered from the result cache
            r = client.post("/v1/rewards", json=body)
            assert r.status_code == 200, r.text
            verdicts = [x["verdict"] for x in r.json()["groups"][0]["results"]]
            assert verdicts.count("passed") == 4
            # A labelled series appears with its first request: scrape it before the next
            # one, or rate() sees it start at 2 and never rise.
            time.sleep(2.5)
    time.sleep(1.5)  # a scrape after the work

    empty: list[str] = []
    for title, expr in dashboard_exprs():
        result = query(prometheus, expr.replace("$__rate_interval", RATE_INTERVAL))
        values = [float(s["value"][1]) for s in result]
        if not values or not all(math.isfinite(v) for v in values):
            empty.append(f"{title}: {expr} -> {values}")
    assert not empty, "dashboard queries without data:\n" + "\n".join(empty)
    scored = query(prometheus, f"sum(increase(reward_candidates_scored_total[{RATE_INTERVAL}]))")
    assert float(scored[0]["value"][1]) > 0
