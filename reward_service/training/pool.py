"""A scored sample pool: many responses per problem, one scored row per response, on disk.

    groups (problem, responses) --Scorer.score_groups, a chunk at a time--> rows (JSONL, appended)

A problem's rows are written together once its whole group is scored (rewards are relative
to the group), so the file only ever holds whole groups plus, after an interruption, one
torn tail. Resuming drops the torn tail and any incomplete group, then scores only the
problems that are not in the file yet.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidInput
from ..extract import code_digest, triage
from ..problem import Problem
from ..results import ScoreOptions
from ..verdict import Verdict

if TYPE_CHECKING:
    from ..scoring import Scorer

__all__ = ["ScoredRow", "PoolSummary", "read_pool", "score_pool", "rows_by_problem"]


class ScoredRow(BaseModel):
    """One response of a pool, scored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    problem_id: str
    index: int = Field(description="Position of the response in its problem's group.")
    group_size: int = Field(description="Responses in the group (a resumed file checks it is whole).")
    prompt: str = Field(default="", description="The problem statement the response answers.")
    response: str
    code: str | None = Field(default=None, description="The extracted code block (null: format_error).")
    digest: str = Field(description="AST digest of the code (same function AST, same digest); of the text without code.")
    verdict: Verdict
    instructions: int | None = Field(default=None, description="N, for passing responses.")
    reward: float | None = None

    @property
    def correct(self) -> bool:
        return self.verdict is Verdict.passed and self.instructions is not None


class PoolSummary(BaseModel):
    """What one `score_pool` call did."""

    model_config = ConfigDict(extra="forbid")

    problems: int = Field(description="Problems in the pool file after this call.")
    received: int = Field(default=0, description="Responses scored by this call.")
    measured: int = Field(default=0, description="Unique programs run (after AST dedupe) by this call.")
    resumed: int = Field(default=0, description="Problems already in the file, skipped.")
    seconds: float = 0.0
    verdicts: dict[Verdict, int] = Field(default_factory=dict)

    @property
    def responses_per_second(self) -> float:
        return self.received / self.seconds if self.seconds > 0 else 0.0


def _digest(code: str | None, response: str) -> str:
    if code is not None:
        return code_digest(code)
    return "text:" + hashlib.sha256(response.encode()).hexdigest()[:26]


def _parse_lines(path: Path) -> list[ScoredRow]:
    rows: list[ScoredRow] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rows.append(ScoredRow.model_validate_json(line))
        except ValidationError:
            continue  # a torn line from an interrupted write
    return rows


def _whole_groups(rows: Iterable[ScoredRow]) -> list[ScoredRow]:
    by: dict[str, list[ScoredRow]] = rows_by_problem(rows)
    return [r for group in by.values() if len(group) == group[0].group_size for r in group]


def read_pool(path: str | Path) -> list[ScoredRow]:
    """The rows of whole groups in a pool file (a torn tail is ignored)."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"no pool file at {path}")
    return _whole_groups(_parse_lines(path))


def rows_by_problem(rows: Iterable[ScoredRow]) -> dict[str, list[ScoredRow]]:
    """Rows grouped by problem, in first-seen order, each group in response order."""
    by: dict[str, list[ScoredRow]] = {}
    for r in rows:
        by.setdefault(r.problem_id, []).append(r)
    for group in by.values():
        group.sort(key=lambda r: r.index)
    return by


def score_pool(
    scorer: Scorer,
    groups: Sequence[tuple[Problem, Sequence[str]]],
    out: str | Path,
    *,
    options: ScoreOptions | None = None,
    chunk: int = 4,
    progress: Callable[[int], None] | None = None,
) -> PoolSummary:
    """Score ``groups`` into the pool file ``out``, resuming what an earlier call left there.

    ``chunk`` groups are scored together (the scorer's workers stay busy across group
    boundaries; identical programs of one problem run once) and then appended and synced, so
    an interruption loses at most the chunk in flight. ``progress`` is called with the number
    of responses of each finished chunk.
    """
    options = options or ScoreOptions()
    ids = [p.id for p, _ in groups]
    if len(set(ids)) != len(ids):
        raise InvalidInput("a pool holds one group per problem; merge the responses of repeated problem ids")
    out = Path(out)
    kept = _whole_groups(_parse_lines(out)) if out.exists() else []
    done = {r.problem_id for r in kept}
    if out.exists():  # rewrite without the torn tail, atomically
        tmp = out.with_suffix(out.suffix + ".tmp")
        tmp.write_text("".join(r.model_dump_json() + "\n" for r in kept), encoding="utf-8")
        tmp.replace(out)
    todo = [(p, list(rs)) for p, rs in groups if p.id not in done]
    summary = PoolSummary(problems=len(done), resumed=len({p.id for p, _ in groups} & done))
    started = time.monotonic()
    before = scorer.evaluations
    with out.open("a", encoding="utf-8") as fh:
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            results = scorer.score_groups(part, options)
            for (problem, responses), group in zip(part, results, strict=True):
                entry = problem.entry
                for text, res in zip(responses, group.results, strict=True):
                    code = triage(text, entry).code
                    row = ScoredRow(
                        problem_id=problem.id, index=res.index, group_size=len(responses), prompt=problem.prompt,
                        response=text, code=code, digest=_digest(code, text), verdict=res.verdict,
                        instructions=res.instructions, reward=res.reward,
                    )
                    fh.write(row.model_dump_json() + "\n")
                    summary.verdicts[res.verdict] = summary.verdicts.get(res.verdict, 0) + 1
                summary.received += len(responses)
                summary.problems += 1
            fh.flush()
            os.fsync(fh.fileno())
            if progress:
                progress(sum(len(rs) for _, rs in part))
    summary.measured = scorer.evaluations - before
    summary.seconds = time.monotonic() - started
    return summary

