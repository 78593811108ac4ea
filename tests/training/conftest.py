"""A real scored pool, shared by the stage-1 tests: EvalPerf's model-written solutions of two
MBPP+ tasks (one per efficiency cluster), an AST duplicate of each task's fastest-labelled
solution, a wrong answer, a response without code and one without the entry point."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reward_service.datasets import load_evalperf, load_mbppplus
from reward_service.problem import Problem
from reward_service.scoring import Scorer
from reward_service.training import ScoredRow, read_pool, score_pool

TASKS = ("Mbpp/88", "Mbpp/226")


def fence(code: str) -> str:
    return f"Here is my solution.\n\n```python\n{code}\n```\n"


def reformatted(code: str) -> str:
    """The same program (same AST), written differently."""
    return f"# a faster version\n\n{code}\n\n# done\n"


def responses_for(task_id: str) -> list[str]:
    task = next(t for t in load_evalperf() if t.task_id == task_id)
    by_cluster: dict[int, str] = {}
    for s in task.solutions:
        by_cluster.setdefault(s.cluster, s.source)
    picked = [by_cluster[c] for c in sorted(by_cluster)[-4:]]  # the four fastest clusters
    return [fence(code) for code in picked] + [
        fence(reformatted(picked[-1])),
        fence(f"def {task.entry_point}(*args):\n    return None\n"),
        "Loop over the items and count them.",
        fence("def helper(x):\n    return x\n"),
    ]


@dataclass(frozen=True)
class Pool:
    path: Path
    rows: list[ScoredRow]
    groups: list[tuple[Problem, list[str]]]


@pytest.fixture(scope="session")
def pool(scorer: Scorer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    problems = {p.id: p for p in load_mbppplus()}
    groups = [(problems[t], responses_for(t)) for t in TASKS]
    path = tmp_path_factory.mktemp("pool") / "pool.jsonl"
    score_pool(scorer, groups, path)
    yield Pool(path=path, rows=read_pool(path), groups=groups)
