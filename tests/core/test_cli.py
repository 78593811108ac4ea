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


SAMPLE = Path(__file__).resolve().parents[2] / "reward_service" / "data"


def _write_jsonl(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    return path


def _small_set(tmp_path: Path) -> tuple[Path, Path]:
    """Two good problems and one whose reference fails, with a few groups each."""
    problems = _write_jsonl(tmp_path / "problems.jsonl", [
        {"id": "p/add", "entry_point": "add", "reference": "def add(a, b):\n    return a + b\n",
         "tests": [{"args": [1, 2]}, {"args": [5, 7]}]},
        {"id": "p/broken", "entry_point": "neg", "reference": "def neg(a):\n    return 1 / 0\n",
         "tests": [{"args": [1]}]},
    ])
    add = "```python\ndef add(a, b):\n    return a + b\n```"
    sub = "```python\ndef add(a, b):\n    return a - b\n```"
    neg = "```python\ndef neg(a):\n    return -a\n```"
    groups = _write_jsonl(tmp_path / "groups.jsonl", [
        {"problem_id": "p/add", "responses": [add, sub], "temperature": 0.7},
        {"problem_id": "p/broken", "responses": [neg, neg + "\n"]},
        {"problem_id": "p/broken", "responses": [neg]},
        {"problem_id": "p/add", "responses": [sub, "no code"], "group_id": "last"},
    ])
    return problems, groups


def test_score_streams_resumes_and_reports_invalid_problems_once(tmp_path: Path, settings: Settings) -> None:
    problems, groups = _small_set(tmp_path)
    out = tmp_path / "results.jsonl"
    args = ["score", "--problems", str(problems), "--responses", str(groups), "--out", str(out), "--no-measure",
            "--concurrency", "2", "--data-dir", str(tmp_path / "data")]
    proc = run_cli(args, settings)
    # an invalid problem: said once (not per group or response), exit 1, no traceback
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("error [invalid_problem]: problem 'p/broken' is invalid") == 1
    assert "ZeroDivisionError" in proc.stderr
    assert "unknown key 'temperature'" in proc.stderr  # warned, once
    assert "scored 4/4 groups" in proc.stderr  # progress on a non-terminal
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["group_id"] for g in lines] == ["0", "1", "2", "last"]
    assert [r["verdict"] for r in lines[0]["results"]] == ["passed", "wrong_answer"]
    assert lines[1]["error"]["code"] == "invalid_problem"
    assert [r["verdict"] for r in lines[1]["results"]] == ["invalid_problem", "invalid_problem"]
    assert [r["reward"] for r in lines[1]["results"]] == [None, None]
    assert (tmp_path / "data").is_dir()  # --data-dir was used

    # interrupted run: the last group is missing and a line is cut short; resume scores only what is missing
    whole = out.read_text().splitlines(keepends=True)
    out.write_text("".join(whole[:2]) + whole[2][:25])
    proc = run_cli(args, settings)
    assert "resuming" in proc.stderr and "2 of 4 groups already scored" in proc.stderr
    again = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["group_id"] for g in again] == ["0", "1", "2", "last"]
    assert again[3] == lines[3] and again[0] == lines[0]
    # nothing left to do: no sandbox starts, the file is unchanged
    before = out.read_text()
    proc = run_cli(args, settings)
    assert "4 of 4 groups already scored" in proc.stderr and out.read_text() == before


def test_cli_errors_name_the_line_and_never_trace(tmp_path: Path, settings: Settings) -> None:
    problems, _ = _small_set(tmp_path)
    bad_problems = tmp_path / "bad.jsonl"
    bad_problems.write_text(problems.read_text() + '{"id": "p/x", "entry_point": 3}\n')
    groups = _write_jsonl(tmp_path / "g.jsonl", [{"problem_id": "p/add", "responses": ["x"]}])
    proc = run_cli(["score", "--problems", str(bad_problems), "--responses", str(groups)], settings)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad_problems}:3:" in proc.stderr and "entry_point" in proc.stderr
    not_strings = _write_jsonl(tmp_path / "n.jsonl", [{"problem_id": "p/add", "responses": [1]}])
    proc = run_cli(["score", "--problems", str(problems), "--responses", str(not_strings)], settings)
    assert proc.returncode == 2 and f"{not_strings}:1: responses must be strings" in proc.stderr
    proc = run_cli(["score", "--problems", str(tmp_path / "missing.jsonl"), "--responses", str(groups)], settings)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "missing.jsonl" in proc.stderr
    proc = run_cli(["score", "--problems", str(problems), "--responses", str(groups), "--concurrency", "0"], settings)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "concurrency" in proc.stderr
