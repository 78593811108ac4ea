"""The paper's SFT set: per problem, the correct responses with the fewest instructions.

    pool rows --AST representatives--> correct ones --sorted by N--> the ``per_problem`` first
    --seeded draw down to ``cap`` when over it--> examples

The paper keeps the two fastest correct samples of each problem (after AST grouping) and
filters 5,000 of them; ties in N are broken by the response's position so the set is
reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from .dedupe import representatives
from .pool import ScoredRow, rows_by_problem

__all__ = ["SFTExample", "build_sft"]


class SFTExample(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    problem_id: str
    prompt: str
    response: str
    instructions: int
    rank: int  # 0: the fastest correct response of its problem


def build_sft(rows: Sequence[ScoredRow], *, per_problem: int = 2, cap: int | None = None, seed: int = 0) -> list[SFTExample]:
    """SFT examples from a scored pool (see the module docstring)."""
    rng = random.Random(seed)
    examples: list[SFTExample] = []
    for pid, group in rows_by_problem(rows).items():
        correct = [r for r in representatives(group, rng) if r.correct]
        correct.sort(key=lambda r: (r.instructions, r.index))
        examples += [
            SFTExample(problem_id=pid, prompt=r.prompt, response=r.response, instructions=r.instructions or 0, rank=k)
            for k, r in enumerate(correct[:per_problem])
        ]
    if cap is not None and len(examples) > cap:
        keep = set(rng.sample(range(len(examples)), cap))
        examples = [e for i, e in enumerate(examples) if i in keep]
    return examples
