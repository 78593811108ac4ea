"""The command line, end to end on the bundled sample batch (real sandbox, real valgrind)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reward_service.settings import Settings


def run_cli(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REWARD_DATA_DIR=str(settings.data_dir), REWARD_METER__BACKEND="callgrind")
    return subprocess.run([sys.executable, "-m", "reward_service.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def test_score_sample_batch(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "results.jsonl"
    proc = run_cli(["score", "--sample", "--out", str(out), "--round", "3"], settings)
    assert proc.returncode == 0, proc.stderr
    groups = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(groups) == 3
    for g in groups:
        rewards = [r["reward"] for r in g["results"]]
        verdicts = [r["verdict"] for r in g["results"]]
        # fast, slow, wrong, no code, no entity, the fast one reformatted
        assert verdicts == ["passed", "passed", "wrong_answer", "format_error", "no_entity", "passed"]
        assert rewards[0] == rewards[5] > rewards[1] == 1.0
        assert rewards[2:5] == [0.0, -1.5, -0.5]
        assert all(r == round(r, 3) for r in rewards)
        assert g["results"][0]["instructions"] < g["results"][1]["instructions"]
    assert "unique programs run" in proc.stderr  # the summary table


def test_bad_input_is_a_clear_error(tmp_path: Path, settings: Settings) -> None:
    bad = tmp_path / "groups.jsonl"
    bad.write_text('{"problem": "x"}\n')
    problems = Path(__file__).resolve().parents[2] / "reward_service" / "data" / "sample_problems.jsonl"
    proc = run_cli(["score", "--problems", str(problems), "--responses", str(bad)], settings)
    assert proc.returncode == 2
    assert "expected" in proc.stderr and "Traceback" not in proc.stderr
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"problem_id": "nope", "responses": []}\n')
    proc = run_cli(["score", "--problems", str(problems), "--responses", str(unknown)], settings)
    assert proc.returncode == 2 and "unknown problem ids: nope" in proc.stderr
