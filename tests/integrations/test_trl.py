"""Real TRL: GRPOTrainer for two steps on two CPU processes (accelerate), with ServiceReward
against a live embedded service; groups of 4 straddle the processes' slices of 6 rows.
The rewards TRL got equal one request's scoring of each whole group."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..service import problems as p
from ..service.conftest import AUTH, TOKEN, free_port

HERE = Path(__file__).parent
ROOT = HERE.parent.parent

if importlib.util.find_spec("trl") is None or importlib.util.find_spec("torch") is None:
    if os.environ.get("REWARD_SKIP_TORCH") == "1":
        pytest.skip("REWARD_SKIP_TORCH=1: TRL and torch not installed", allow_module_level=True)
    raise RuntimeError("trl and torch are missing: run scripts/install.sh (or set REWARD_SKIP_TORCH=1 to skip)")


def _env(data_dir: Path) -> dict[str, str]:
    path = os.pathsep.join(x for x in [str(ROOT), os.environ.get("PYTHONPATH", "")] if x)
    return {**os.environ, "PYTHONPATH": path, "REWARD_DATA_DIR": str(data_dir), "REWARD_API__TOKENS": json.dumps([TOKEN]),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1",
            "TOKENIZERS_PARALLELISM": "false", "PYTHONWARNINGS": "ignore"}  # fmt: skip


def test_grpo_two_processes_straddling_groups(tmp_path: Path, data_dir: Path) -> None:
    env = _env(data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "api.log").open("wb") as log:
        api = subprocess.Popen([sys.executable, "-m", "reward_service.service", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        model_dir, out = tmp_path / "model", tmp_path / "out"
        out.mkdir()
        subprocess.run([sys.executable, str(HERE / "trl_train.py"), "build", str(model_dir)], env=env, check=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        assert httpx.put(url + "/v1/problems/t/sumto", json=p.sumto("t/sumto"), headers=AUTH).status_code in (200, 201)
        accelerate = shutil.which("accelerate") or str(Path(sys.executable).parent / "accelerate")
        launch = [accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
                  "--dynamo_backend", "no", "--main_process_port", str(free_port()),
                  str(HERE / "trl_train.py"), "train", str(model_dir), url, str(out), TOKEN]  # fmt: skip
        done = subprocess.run(launch, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]

        rows, metrics = [], set()
        for rank in (0, 1):
            for line in (out / f"rank-{rank}.jsonl").read_text().splitlines():
                item = json.loads(line)
                if "metrics" in item:
                    metrics.update(item["metrics"])
                else:
                    rows.append(item)
        assert {"reward_service/pass_rate", "reward_service/verdict/passed"} <= metrics
        assert {r["rows"] for r in rows} == {6}  # 6 rows per process: groups of 4 straddle them
        groups: dict[str, dict[int, dict[str, object]]] = {}
        for row in rows:
            groups.setdefault(str(row["key"]), {})[int(row["index"])] = row  # type: ignore[call-overload]
        assert len(groups) == 6 and all(sorted(g) == [0, 1, 2, 3] for g in groups.values())  # 2 steps x 3 groups
        straddling = [k for k, g in groups.items() if len({m["rank"] for m in g.values()}) == 2]
        assert len(straddling) == 2  # per step, rows 4..7 of 12 come from both processes
        check_against_one_request(url, list(groups.items()))
    finally:
        api.terminate()
        api.wait(30)


def check_against_one_request(url: str, groups: list[tuple[str, dict[int, dict[str, object]]]]) -> None:
    """Score each whole group in one POST /v1/rewards and compare with what TRL got."""
    batch = [{"group_id": key, "problem_id": "t/sumto", "responses": [str(m[i]["completion"]) for i in range(4)]}
             for key, m in groups]  # fmt: skip
    reply = httpx.post(url + "/v1/rewards", json={"groups": batch}, headers=AUTH, timeout=120)
    assert reply.status_code == 200, reply.text
    verdicts = set()
    for (key, members), scored in zip(groups, reply.json()["groups"], strict=True):
        assert scored["group_id"] == key
        assert [members[i]["reward"] for i in range(4)] == [r["reward"] for r in scored["results"]], key
        verdicts |= {r["verdict"] for r in scored["results"]}
    assert len(verdicts) >= 2  # the tiny policy writes varied answers


def test_a_group_whose_rows_hold_different_problems_is_refused() -> None:
    # An integration review: with another group size than the trainer's (TRL's
    # num_generations_eval), a derived group's rows were all scored against its first row's
    # problem: correct answers to B got -0.5 as answers to A.
    import asyncio

    import pytest

    from reward_service.integrations.trl import ServiceReward

    reward = ServiceReward("http://127.0.0.1:9", num_generations=4, run_id="t-mixed")
    with pytest.raises(ValueError, match="different problems"):
        asyncio.run(reward(prompts=["a", "a", "b", "b"], completions=["x"] * 4, problem_id=["A", "A", "B", "B"]))


def _run_id_on(rank: int, port: int, out: Any) -> None:
    import torch.distributed as dist

    from reward_service.integrations.trl import default_run_id

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        out.put((rank, default_run_id()))
    finally:
        dist.destroy_process_group()


def test_the_default_run_id_is_random_and_the_same_on_every_process(monkeypatch: Any) -> None:
    # It was built from the launcher's environment (torchrun's defaults: the same for every run
    # on a host): a second run met the first one's groups, got 409, and ended.
    import multiprocessing

    from reward_service.integrations.trl import default_run_id

    monkeypatch.delenv("REWARD_RUN_ID", raising=False)
    assert default_run_id() != default_run_id()  # one process: its own
    monkeypatch.setenv("WORLD_SIZE", "2")  # several, and no torch.distributed to agree on one
    with pytest.raises(RuntimeError, match="REWARD_RUN_ID"):
        default_run_id()
    monkeypatch.delenv("WORLD_SIZE")
    monkeypatch.setenv("REWARD_RUN_ID", "given")
    assert default_run_id() == "given"
    monkeypatch.delenv("REWARD_RUN_ID")
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=_run_id_on, args=(rank, port, out)) for rank in range(2)]
    for proc in procs:
        proc.start()
    ids = dict(out.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(30)
    assert ids[0] == ids[1] and ids[0].startswith("trl-")


def test_rows_of_one_inline_problem_with_a_nan_are_one_problem() -> None:
    from reward_service.integrations.trl import _problem_key

    problem = {"id": "p", "tests": [{"args": [float("nan")]}]}
    assert _problem_key(problem) == _problem_key({"tests": [{"args": [float("nan")]}], "id": "p"})
    assert _problem_key("p") != _problem_key("q")
