"""Performance-input generators for EvalPerf's MBPP tasks, kept as data.

EvalPerf ranks solutions by CPU instruction count on one large input per task but does
not publish those inputs. Each task has one file in ``reward_service/data/generators/``
(``Mbpp_3.py`` for ``Mbpp/3``): trusted Python source (standard library only, run inside
the sandbox, never metered) whose docstring says which slow path the input exercises,
with ``SCALE = <int>`` (the scale it runs at, set by ``reward-service calibrate``) and
``generate(scale, seed)`` returning ``{"args": [...], "kwargs": {}}``: one input, the
same for the same ``(scale, seed)``. ``bench/evalperf_contrast.py`` measures the contrast.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidProblem

__all__ = ["GENERATOR_DIR", "PerfGenerator", "GENERATORS", "generator_for", "load_generator", "write_scale"]

GENERATOR_DIR = Path(__file__).resolve().parent.parent / "data" / "generators"
_SCALE_LINE = re.compile(r"^SCALE = [0-9_]+$", re.MULTILINE)


@dataclass(frozen=True)
class PerfGenerator:
    """A trusted input generator for one task, with the scale it is meant to run at."""

    task_id: str
    source: str
    scale: int
    why: str
    slow_index: int | None = None  # a specific slow solution, where the default pick is unusable


def _file_of(task_id: str, directory: Path) -> Path:
    return directory / (task_id.replace("/", "_") + ".py")


def load_generator(path: str | Path, task_id: str | None = None) -> PerfGenerator:
    """One generator file: its source, ``SCALE`` and docstring. Raises ``InvalidProblem``."""
    file = Path(path)
    source = file.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, str(file))
    except SyntaxError as exc:
        raise InvalidProblem(f"generator {file}: {exc}") from exc
    scale = None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "SCALE" and isinstance(node.value, ast.Constant)):
            scale = node.value.value
    if not isinstance(scale, int) or scale < 1:
        raise InvalidProblem(f"generator {file}: needs a line `SCALE = <positive int>`")
    if not any(isinstance(n, ast.FunctionDef) and n.name == "generate" for n in tree.body):
        raise InvalidProblem(f"generator {file}: needs `def generate(scale, seed)`")
    first_paragraph = (ast.get_docstring(tree) or "").split("\n\n", 1)[0]
    why = " ".join(first_paragraph.split(":", 1)[-1].split()).rstrip(".")
    name = task_id or file.stem.replace("_", "/", 1)
    return PerfGenerator(task_id=name, source=source, scale=scale, why=why)


def _load_all(directory: Path) -> dict[str, PerfGenerator]:
    files = sorted(directory.glob("*.py"), key=lambda p: (p.stem.split("_")[0], int(p.stem.split("_")[-1])))
    return {g.task_id: g for g in (load_generator(f) for f in files)}


GENERATORS: dict[str, PerfGenerator] = _load_all(GENERATOR_DIR)


def generator_for(task_id: str) -> PerfGenerator:
    """The generator of an EvalPerf task; ``KeyError`` if it has none."""
    return GENERATORS[task_id]


def write_scale(task_id: str, scale: int, directory: Path = GENERATOR_DIR) -> Path:
    """Store a calibrated scale in a task's generator file (its ``SCALE = ...`` line)."""
    file = _file_of(task_id, directory)
    text = file.read_text(encoding="utf-8")
    if not _SCALE_LINE.search(text):
        raise InvalidProblem(f"generator {file}: no `SCALE = <int>` line to update")
    file.write_text(_SCALE_LINE.sub(f"SCALE = {scale}", text, count=1), encoding="utf-8")
    return file
