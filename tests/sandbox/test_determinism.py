"""Counts and verdicts do not depend on what ran before, where, or how often.

Each test shows one cause of drift that was removed (``bench/determinism.py`` found them on
full reruns of MBPP+ and EvalPerf): a program whose count depends on addresses (the order
of a set of objects hashed by ``id()``) or on the global ``random`` state gets the same
count and output however the zygote got to this run.
"""

from __future__ import annotations

from typing import Any

from reward_service.problem import EntryPoint
from reward_service.sandbox.base import RunOutcome, RunSpec, RunStatus
from reward_service.sandbox.zygote import PooledSandbox, ZygotePool
from reward_service.scoring import Scorer

# Work that depends on where objects of several sizes were allocated: timsort's cost on
# their addresses modulo a prime (the output does not depend on them).
ADDRESSES = """
class P:
    __slots__ = ("a", "b")
def f(n):
    xs = [i * 1000003 + 10**6 for i in range(n)] + [i / 7 for i in range(n)] + [(i,) for i in range(n)]
    xs += [P() for i in range(n)]
    return len(sorted([id(x) % 1009 for x in xs]))
"""
# Unseeded ``random``: the global instance, as candidates use it.
RANDOM = """
import random
def f(n):
    xs = list(range(n))
    random.shuffle(xs)
    return [random.random(), random.randrange(10**9), sorted(xs[:5]), len(sorted(xs))]
"""
EXIT = "import os\ndef f(n):\n    os._exit(5)\n"  # a run that ends with a wait status past 256
NOOP = "def f(n):\n    return n\n"


def run(scorer: Scorer, code: str, n: int = 200) -> RunOutcome:
    spec = RunSpec(code=code, entry=EntryPoint(function="f"), inputs=[{"args": [n]}], measure=True, cpu_s=20)
    return scorer.sandbox.run_untrusted(spec)


def metered_pool(scorer: Scorer) -> ZygotePool:
    assert isinstance(scorer.sandbox, PooledSandbox) and scorer.sandbox._metered is not None
    return scorer.sandbox._metered


def count(scorer: Scorer, code: str) -> tuple[int | None, Any]:
    outcome = run(scorer, code)
    assert outcome.status is RunStatus.ok, (outcome.status, outcome.message)
    return outcome.instructions, outcome.outputs


def test_unseeded_random_gives_the_same_output_and_count_every_run(scorer: Scorer) -> None:
    # random reseeds itself from the OS in every forked child: the run seeds it again
    first = count(scorer, RANDOM)
    assert first[0] is not None
    assert count(scorer, RANDOM) == first
    run(scorer, NOOP)
    assert count(scorer, RANDOM) == first


def test_the_zygotes_run_number_does_not_move_an_address_dependent_count(scorer: Scorer) -> None:
    # The run number travelled in the run's request: past 256 an int object on the run's heap.
    before = count(scorer, ADDRESSES)
    for zygote in list(metered_pool(scorer)._all.values()):
        zygote.runs = max(zygote.runs, 300)
    assert count(scorer, ADDRESSES) == before


def test_how_the_last_run_ended_does_not_move_an_address_dependent_count(scorer: Scorer) -> None:
    # The template's loop kept the last run's wait status (an int object past 256) alive on
    # the heap every run is forked from; the loop is native now.
    after_noop = []
    after_exit = []
    for _ in range(2):  # both metered zygotes, whichever the pool hands out
        run(scorer, NOOP)
        after_noop.append(count(scorer, ADDRESSES))
        assert run(scorer, EXIT).status is RunStatus.crashed
        after_exit.append(count(scorer, ADDRESSES))
    assert len({n for n, _ in after_noop + after_exit}) == 1, (after_noop, after_exit)
