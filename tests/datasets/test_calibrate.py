"""Scale calibration against the real sandbox and meter: the search, and the generators it refuses."""

from __future__ import annotations

import pytest

from reward_service.datasets.calibrate import calibrate
from reward_service.errors import InvalidProblem
from reward_service.problem import Problem
from reward_service.scoring import Scorer

pytestmark = pytest.mark.slow

_LOOP = "def f(values):\n    total = 0\n    for v in values:\n        total += v\n    return total\n"
_SLOWER = "def f(values):\n    return sum(v for v in values for _ in range(20)) // 20\n"  # 20x the loop's work
_FASTER = "def f(values):\n    return sum(values)\n"
_LIST = "def generate(scale, seed):\n    return {'args': [list(range(seed, seed + scale))], 'kwargs': {}}\n"


def problem(generator: str, reference: str = _LOOP) -> Problem:
    return Problem(id="t/calibrate", entry_point="f", reference=reference, tests=[{"args": [[1, 2, 3]]}],
                   performance={"generator": generator, "scale": 1})


def test_doubling_then_bisection_reaches_the_target_and_stores_the_scale(scorer: Scorer) -> None:
    result = calibrate(problem(_LIST), scorer.sandbox, target=200_000, start=64, bisect_steps=3,
                       slower=[_SLOWER], faster=[_FASTER])
    assert result.stop == "target" and result.reached
    assert result.problem.performance is not None and result.problem.performance.scale == result.scale
    doubled = [s.scale for s in result.steps[: result.steps.index(max(result.steps, key=lambda s: s.scale)) + 1]]
    assert doubled == [64 * 2**i for i in range(len(doubled))]
    assert len(result.steps) > len(doubled)  # bisected between the last two doublings
    assert 0.7 * 200_000 <= result.reference_instructions <= 1.5 * 200_000
    slower, faster = result.solutions
    assert slower.instructions and faster.instructions and slower.ratio and faster.ratio
    assert slower.ratio > 5 and faster.ratio < 0.5
    assert result.contrast is not None and result.contrast > 10


def test_a_generator_that_ignores_scale_never_reaches_the_target(scorer: Scorer) -> None:
    flat = "def generate(scale, seed):\n    return {'args': [list(range(100))], 'kwargs': {}}\n"
    result = calibrate(problem(flat), scorer.sandbox, target=10**9, start=1)
    assert result.stop == "flat" and not result.reached
    assert result.reference_instructions < 10**9


def test_a_generator_whose_input_the_reference_rejects_is_refused(scorer: Scorer) -> None:
    strings = "def generate(scale, seed):\n    return {'args': [['x'] * scale], 'kwargs': {}}\n"
    with pytest.raises(InvalidProblem, match="reference of 't/calibrate' fails on the generated input"):
        calibrate(problem(strings), scorer.sandbox, target=10**6)


def test_a_generator_that_is_not_a_function_of_scale_and_seed_is_refused(scorer: Scorer) -> None:
    unseeded = ("import random\n\ndef generate(scale, seed):\n"
                "    return {'args': [[random.random() for _ in range(scale)]], 'kwargs': {}}\n")
    with pytest.raises(InvalidProblem, match="not deterministic"):
        calibrate(problem(unseeded), scorer.sandbox, target=50_000, start=16)


def test_calibrate_needs_a_generator(scorer: Scorer) -> None:
    plain = Problem(id="t/plain", entry_point="f", reference=_LOOP, tests=[{"args": [[1]]}])
    with pytest.raises(InvalidProblem, match="no performance generator"):
        calibrate(plain, scorer.sandbox)


def test_with_a_slow_target_the_slower_solution_sizes_the_input(scorer: Scorer) -> None:
    result = calibrate(problem(_LIST), scorer.sandbox, target=10**12, start=64, bisect_steps=3,
                       slower=[_SLOWER], faster=[_FASTER], slow_target=2_000_000)
    assert result.stop == "target" and result.target_of == "slower 0"
    slower, _ = result.solutions
    assert slower.instructions is not None and 0.7 * 2_000_000 <= slower.instructions <= 1.5 * 2_000_000
    assert result.reference_instructions < 2_000_000 / 5  # the reference's own target (1e12) played no part
