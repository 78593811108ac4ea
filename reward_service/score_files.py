"""``reward-service score``: scoring files of response groups, for long runs.

* **streams**: each group's result line is written (and flushed) as soon as its members are
  measured, in input order, so an interruption loses at most the groups in flight;
* **resumes**: an existing ``--out`` file is read first; groups already in it (by
  ``group_id``: the input line's own, else its position) are not scored again, and a line
  cut short by an interruption is dropped;
* **reports progress** on a terminal (a bar) and elsewhere (a line every few seconds);
* **says what is wrong once**, without a traceback: a malformed line names its file and
  line; unknown keys are warned about; an invalid problem (its reference or its own code
  fails) is reported once, naming the problem and the reason, and its group is written
  with ``error``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import InvalidInput
from .pipeline import GroupOut
from .problem import Problem

__all__ = ["GroupLine", "read_groups", "read_done", "ProgressReport", "ScoreRun", "pending"]

_KEYS = frozenset({"problem_id", "responses", "group_id"})


@dataclass(frozen=True)
class GroupLine:
    group_id: str
    problem_id: str
    responses: list[str]


def read_groups(path: str | Path, warn: Callable[[str], None] | None = None) -> list[GroupLine]:
    """Response groups from JSONL: ``{"problem_id": str, "responses": [str, ...], "group_id"?: str}``.

    Raises InvalidInput naming the file and line of a malformed one; ``warn`` hears of
    unknown keys (once per key) and of group ids given twice.
    """
    groups: list[GroupLine] = []
    unknown: set[str] = set()
    seen: set[str] = set()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read: {exc}") from exc
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise InvalidInput(f"{path}:{n}: not JSON: {exc}") from exc
        if not isinstance(item, dict) or not isinstance(item.get("problem_id"), str) or not isinstance(
            item.get("responses"), list
        ):
            raise InvalidInput(f"{path}:{n}: expected {{'problem_id': str, 'responses': [str, ...]}}")
        bad = [i for i, r in enumerate(item["responses"]) if not isinstance(r, str)]
        if bad:
            raise InvalidInput(f"{path}:{n}: responses must be strings (item {bad[0]} is not)")
        gid = item.get("group_id", str(len(groups)))
        if not isinstance(gid, (str, int)) or isinstance(gid, bool):
            raise InvalidInput(f"{path}:{n}: group_id must be a string")
        gid = str(gid)
        if gid in seen and warn:
            warn(f"{path}:{n}: group_id {gid!r} given twice; both are scored, a resume keeps the first")
        seen.add(gid)
        for key in sorted(item.keys() - _KEYS - unknown):
            unknown.add(key)
            if warn:
                warn(f"{path}:{n}: unknown key {key!r} ignored (known: {', '.join(sorted(_KEYS))})")
        groups.append(GroupLine(gid, item["problem_id"], list(item["responses"])))
    return groups


def read_done(path: Path) -> tuple[set[str], int]:
    """Group ids already written to a results file, and the byte length of its whole lines
    (a last line cut short by an interruption is not counted)."""
    done: set[str] = set()
    good = 0
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return done, 0
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the results to resume: {exc}") from exc
    pos = 0
    for raw in data.splitlines(keepends=True):
        pos += len(raw)
        if not raw.endswith(b"\n"):
            break  # cut short
        try:
            item = json.loads(raw)
        except ValueError:
            break
        if isinstance(item, dict) and isinstance(item.get("group_id"), str):
            done.add(item["group_id"])
        good = pos
    return done, good


@dataclass
class ProgressReport:
    """Progress on stderr: a bar on a terminal, else a line every ``every_s`` seconds."""

    total: int
    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    every_s: float = 10.0
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    _last: float = 0.0
    _bar: Any = None

    def __enter__(self) -> ProgressReport:
        if self.stream.isatty():
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("scoring groups", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.advance(self._task, n)
            return
        now = time.monotonic()
        if now - self._last >= self.every_s or self.done == self.total:
            self._last = now
            spent = now - self.started
            rate = self.done / spent if spent > 0 else 0.0
            eta = (self.total - self.done) / rate if rate > 0 else float("inf")
            eta_text = f", about {eta:.0f} s left" if eta != float("inf") else ""
            print(f"scored {self.done}/{self.total} groups ({100 * self.done / max(self.total, 1):.0f}%), "
                  f"{rate:.2f} groups/s{eta_text}", file=self.stream, flush=True)


@dataclass
class ScoreRun:
    """What one ``score`` invocation did."""

    written: list[GroupOut] = field(default_factory=list)
    resumed: int = 0
    invalid: dict[str, str] = field(default_factory=dict)  # problem id -> message

    def note_invalid(self, group: GroupOut, warn: Callable[[str], None]) -> None:
        if group.error is not None and group.problem_id not in self.invalid:
            self.invalid[group.problem_id] = group.error.message
            warn(f"error [{group.error.code}]: {group.error.message}")


def pending(groups: Sequence[GroupLine], problems: dict[str, Problem], done: set[str]) -> list[tuple[str, Problem, list[str]]]:
    """The groups still to score, as the pipeline takes them."""
    return [(g.group_id, problems[g.problem_id], g.responses) for g in groups if g.group_id not in done]
