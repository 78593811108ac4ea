"""Regenerate the bundled sample batch (reward_service/data/sample_*.jsonl) from ../shared/data.

Small fixture: a few MBPP+ problems with high-contrast generators, and groups of real
model solutions (EvalPerf) of different speeds, plus typical failures.
"""

from __future__ import annotations

import json
from pathlib import Path

from reward_service.datasets import evalperf_problems
from reward_service.datasets.evalperf import perf_solutions
from reward_service.problem import dump_problems

OUT = Path(__file__).resolve().parent.parent / "reward_service" / "data"


def fence(code: str, prose: str = "Here is an efficient solution.") -> str:
    return f"{prose}\n\n```python\n{code.strip()}\n```\n"


def main() -> None:
    problems = evalperf_problems()[:3]
    dump_problems(problems, OUT / "sample_problems.jsonl")
    with (OUT / "sample_responses.jsonl").open("w") as fh:
        for p in problems:
            fast, slow = perf_solutions(p.id)
            name = p.entry.function
            responses = [
                fence(fast),
                fence(slow, "A straightforward approach:"),
                fence(f"def {name}(*args):\n    return None", "I am not sure, but:"),
                f"The answer is to loop over the input and call {name}.",
                fence("def helper(x):\n    return x"),
                fence(fast, "Same idea, formatted differently:"),
            ]
            fh.write(json.dumps({"problem_id": p.id, "responses": responses}) + "\n")


if __name__ == "__main__":
    main()
