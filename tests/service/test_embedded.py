"""The embedded default: no Redis URL, the same API with an in-process queue and workers."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from . import problems as p
from .conftest import free_port


def test_embedded_serve_scores_a_batch(tmp_path: Path, data_dir: Path) -> None:
    port = free_port()
    env = {"REWARD_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    with (tmp_path / "api.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "reward_service.service", "serve", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        body = {"groups": [{"problem": p.sumto("t/embedded"), "responses": [p.FAST, p.SLOW, p.WRONG, p.NO_CODE]}]}
        reply = httpx.post(url + "/v1/rewards", json=body, timeout=120)
        assert reply.status_code == 200, reply.text
        rewards = [r["reward"] for r in reply.json()["groups"][0]["results"]]
        assert rewards[0] is not None and rewards[0] > rewards[1] == 1.0 and rewards[2:] == [0.0, -1.5]
    finally:
        proc.terminate()
        proc.wait(30)
