"""AST grouping, as the paper builds its stage-1 data.

Responses whose code has the same normalised AST (:func:`reward_service.extract.code_digest`:
formatting and comments do not count) are one homogeneous set; one representative of each
set is drawn at random, seeded, so a program sampled 30 times weighs as much as one sampled
once. Responses without code are grouped by their exact text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .pool import ScoredRow

__all__ = ["representatives"]


def representatives(rows: Sequence[ScoredRow], rng: random.Random) -> list[ScoredRow]:
    """One row per AST digest, drawn with ``rng``; in the order of each set's first row."""
    sets: dict[str, list[ScoredRow]] = {}
    for r in sorted(rows, key=lambda r: (r.problem_id, r.index)):
        sets.setdefault(f"{r.problem_id}\0{r.digest}", []).append(r)
    return [members[rng.randrange(len(members))] for members in sets.values()]
