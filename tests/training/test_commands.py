"""``reward-service pool | sft | dpo | eval`` end to end (real sandbox, real valgrind)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reward_service.problem import Problem, dump_problems
from reward_service.settings import Settings


def run_cli(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REWARD_DATA_DIR=str(settings.data_dir), REWARD_METER__BACKEND="callgrind")
    return subprocess.run([sys.executable, "-m", "reward_service.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def fence(body: str) -> str:
    return f"```python\ndef f(n):\n{body}```"


def test_pool_then_sft_dpo_eval(tmp_path: Path, settings: Settings) -> None:
    problems = [Problem(id=f"t/sum{k}", prompt=f"Sum 0..n-1 ({k}).", entry_point="f",
                        reference="def f(n):\n    return sum(range(n))\n", tests=[{"args": [10]}, {"args": [300]}])
                for k in range(1)]
    dump_problems(problems, tmp_path / "problems.jsonl")
    loop = fence("    t = 0\n    for i in range(n):\n        t += i\n    return t\n")
    builtin = fence("    return sum(range(n))\n")
    closed = fence("    return n * (n - 1) // 2\n")
    wrong = fence("    return n\n")
    (tmp_path / "responses.jsonl").write_text("".join(
        json.dumps({"problem_id": p.id, "responses": [loop, builtin, closed, wrong, "no code"]}) + "\n" for p in problems))
    pool = tmp_path / "pool.jsonl"
    proc = run_cli(["pool", "--problems", str(tmp_path / "problems.jsonl"), "--responses", str(tmp_path / "responses.jsonl"),
                    "--out", str(pool)], settings)
    assert proc.returncode == 0, proc.stderr
    assert "5 responses scored" in proc.stderr and "4 unique programs run" in proc.stderr
    rows = [json.loads(line) for line in pool.read_text().splitlines()]
    assert [r["verdict"] for r in rows[:5]] == ["passed", "passed", "passed", "wrong_answer", "format_error"]
    again = run_cli(["pool", "--problems", str(tmp_path / "problems.jsonl"), "--responses",
                     str(tmp_path / "responses.jsonl"), "--out", str(pool)], settings)
    assert again.returncode == 0 and "1 resumed" in again.stderr and "0 responses scored" in again.stderr

    proc = run_cli(["sft", "--pool", str(pool), "--out", str(tmp_path / "sft.jsonl"), "--format", "messages"], settings)
    assert proc.returncode == 0, proc.stderr
    sft = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert len(sft) == 2 and sft[0]["messages"][1]["content"] == closed

    proc = run_cli(["dpo", "--pool", str(pool), "--out", str(tmp_path / "dpo.jsonl"), "--proportion", "0.5"], settings)
    assert proc.returncode == 0, proc.stderr
    dpo = [json.loads(line) for line in (tmp_path / "dpo.jsonl").read_text().splitlines()]
    assert dpo and all(set(d) == {"prompt", "chosen", "rejected"} for d in dpo)
    assert "DPO pairs" in proc.stderr

    proc = run_cli(["eval", "--pool", str(pool), "--references", str(pool), "--k", "2", "--out",
                    str(tmp_path / "eval.json")], settings)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["pass_at"]["1"] == 60.0 and report["dps_norm"] is not None and report["beyond"] is not None
    assert "DPS_norm" in proc.stderr and "overall" in proc.stderr
