"""Where the shared data sets live, and reading their records.

The data sets are not part of the repository: they sit in ``shared/data`` beside it
(``/work/shared/data`` for ``/work/main``; ``<clone>/../shared/data`` in CI). The
default search walks up from the working directory and from this package, trying
``<dir>/shared/data`` at every level, so ``../shared/data`` of the project root is found
from anywhere inside the project. An explicit path always wins.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

__all__ = ["data_dir", "data_file", "read_jsonl"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidates() -> list[Path]:
    """Every ``shared/data`` the default search tries, nearest first, without repeats."""
    seen: list[Path] = []
    for start in (Path.cwd().resolve(), _PACKAGE_DIR):
        for directory in (start, *start.parents):
            candidate = directory / "shared" / "data"
            if candidate not in seen:
                seen.append(candidate)
    return seen


def data_dir(path: str | Path | None = None) -> Path:
    """The shared data directory: ``path`` if given, else the nearest ``shared/data``.

    Raises ``FileNotFoundError`` naming every place it looked.
    """
    if path is not None:
        explicit = Path(path)
        if not explicit.is_dir():
            raise FileNotFoundError(f"data directory {explicit} does not exist")
        return explicit
    tried = _candidates()
    for candidate in tried:
        if candidate.is_dir():
            return candidate
    listing = "\n  ".join(str(p) for p in tried)
    raise FileNotFoundError(
        "no shared/data directory found; searched upwards from the working directory "
        f"and from the package:\n  {listing}\nPass the path explicitly."
    )


def data_file(relative: str, path: str | Path | None = None) -> Path:
    """A file of a data set.

    ``path`` may name the file itself or a data directory holding ``relative``;
    without it the default data directory is used.
    """
    if path is not None and Path(path).is_file():
        return Path(path)
    target = data_dir(path) / relative
    if not target.is_file():
        raise FileNotFoundError(f"data file {target} does not exist")
    return target


def read_jsonl(file: Path) -> list[dict[str, Any]]:
    """The records of a ``.jsonl`` or ``.jsonl.gz`` file."""
    if file.suffix == ".gz":
        with gzip.open(file, "rt", encoding="utf-8") as fh:
            text = fh.read()
    else:
        text = file.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
