"""A problem's trusted code failing is the problem's fault, never the candidate's.

Its setup, a test input's expression, its performance generator, its output encoder, its
checker, or an expected output its own comparison cannot accept: the group is
``invalid_problem`` (reward null, ``error`` set once), as when the reference fails. A
candidate cannot make its own failure look like one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reward_service.problem import Problem
from reward_service.results import GroupResult, ScoreOptions
from reward_service.scoring import Scorer
from reward_service.settings import Settings
from reward_service.verdict import Verdict

CORRECT = ScoreOptions(measure=False)
GOOD = "def f(x):\n    return x\n"
WRONG = "def f(x):\n    return -1\n"


def fence(code: str) -> str:
    return f"```python\n{code}```"


def make(pid: str, **extra: Any) -> Problem:
    fields: dict[str, Any] = {"id": pid, "entry_point": "f", "reference": GOOD, "tests": [{"args": [1]}, {"args": [2]}]}
    return Problem(**(fields | extra))


def assert_invalid(group: GroupResult, *words: str) -> None:
    assert [r.verdict for r in group.results] == [Verdict.invalid_problem] * len(group.results), group.results
    assert all(r.reward is None for r in group.results)
    assert group.error is not None and group.error.code == "invalid_problem"
    assert group.problem_id in group.error.message
    for word in words:
        assert word in group.error.message, group.error.message


def test_setup_that_raises_is_an_invalid_problem(scorer: Scorer) -> None:
    group = scorer.score_group(make("t/bad-setup", setup="raise ValueError('no table')"), [fence(GOOD), fence(WRONG)],
                               CORRECT)
    assert_invalid(group, "setup", "ValueError: no table")


def test_setup_without_a_reference_is_an_invalid_problem(scorer: Scorer) -> None:
    """No reference run to catch it: the candidate's own run reports the setup's failure."""
    problem = Problem(id="t/bad-setup-given", entry_point="f", setup="import no_such_module_here",
                      tests=[{"args": [1], "expected": 1}])
    assert_invalid(scorer.score_group(problem, [fence(GOOD)], CORRECT), "setup", "no_such_module_here")


def test_setup_that_stalls_without_a_reference_is_an_invalid_problem(scorer: Scorer) -> None:
    """A run never armed cannot have timed out by the candidate's doing: it had not started."""
    problem = Problem(id="t/slow-setup-given", entry_point="f", setup="import time\ntime.sleep(3600)",
                      tests=[{"args": [1], "expected": 1}], limits={"time_s": 1})
    assert_invalid(scorer.score_group(problem, [fence(GOOD)], CORRECT), "stalled", "before the candidate ran")


def test_setup_that_spins_without_a_reference_is_an_invalid_problem(scorer: Scorer) -> None:
    problem = Problem(id="t/spinning-setup-given", entry_point="f", setup="while True:\n    pass",
                      tests=[{"args": [1], "expected": 1}], limits={"time_s": 1})
    assert_invalid(scorer.score_group(problem, [fence(GOOD)], CORRECT), "CPU limit", "before the candidate ran")


def test_input_expression_that_raises_is_an_invalid_problem(scorer: Scorer) -> None:
    problem = make("t/bad-expr", tests=[{"args": [1]}, {"expr": "(([1 // 0], {}))"}])
    assert_invalid(scorer.score_group(problem, [fence(GOOD)], CORRECT), "test input 1", "ZeroDivisionError")


def test_encoder_that_raises_is_an_invalid_problem(scorer: Scorer) -> None:
    problem = make("t/bad-encoder", output_encoder="raise RuntimeError('encoder broke')\n")
    assert_invalid(scorer.score_group(problem, [fence(GOOD)], CORRECT), "encoder", "encoder broke")


def test_generator_that_raises_in_the_metered_run_is_an_invalid_problem(scorer: Scorer) -> None:
    """Outputs on performance inputs unchecked: the generator first runs in the candidate's metered run."""
    generator = "def generate(scale, seed):\n    raise KeyError('scale')\n"
    problem = make("t/bad-generator", performance={"generator": generator, "scale": 5, "check_outputs": False})
    assert_invalid(scorer.score_group(problem, [fence(GOOD)]), "generator", "KeyError")


def test_generator_that_raises_in_the_reference_run_is_an_invalid_problem(scorer: Scorer) -> None:
    generator = "def generate(scale, seed):\n    return {'args': [scale // 0]}\n"
    problem = make("t/bad-generator-ref", performance={"generator": generator, "scale": 5})
    assert_invalid(scorer.score_group(problem, [fence(GOOD)]), "generator", "ZeroDivisionError")


def test_candidate_cannot_forge_a_problem_failure(scorer: Scorer) -> None:
    """A candidate that raises what the harness raises, or writes the harness's report of a
    problem failure on every descriptor, fails as itself: reward 0, not null."""
    raises = ("import sys\n"
              "def f(x):\n"
              "    runner = sys.modules.get('runner')\n"
              "    if runner is not None:\n"
              "        raise runner.ProblemCodeFailure('setup', None, ValueError('x'))\n"
              "    raise ValueError('x')\n")
    writes = ("import json, os, struct\n"
              "def f(x):\n"
              "    body = json.dumps({'problem_error': 'ValueError: x', 'part': 'setup', 'index': None}).encode()\n"
              "    for fd in range(3, 200):\n"
              "        try:\n"
              "            os.write(fd, struct.pack('>I', len(body)) + body)\n"
              "        except OSError:\n"
              "            pass\n"
              "    os._exit(4)\n")
    group = scorer.score_group(make("t/forge"), [fence(raises), fence(writes), fence(GOOD)], CORRECT)
    assert group.error is None
    assert [r.reward for r in group.results] == [0.0, 0.0, 1.0], group.results
    assert group.results[0].verdict is Verdict.runtime_error and group.results[1].verdict is Verdict.runtime_error


def test_invalid_problem_is_remembered(scorer: Scorer) -> None:
    problem = make("t/bad-setup-twice", setup="raise ValueError('again')")
    first = scorer.score_group(problem, [fence(GOOD)], CORRECT)
    second = scorer.score_group(problem, [fence(WRONG)], CORRECT)
    assert_invalid(first, "again")
    assert_invalid(second, "again")


@pytest.mark.parametrize("setup", [None, "SCALE = 3"])
def test_sound_problem_is_unaffected(scorer: Scorer, setup: str | None) -> None:
    extra = {"setup": setup} if setup else {}
    problem = make(f"t/sound-{setup is None}", tests=[{"args": [1]}, {"expr": "([2], {})"}], **extra)
    group = scorer.score_group(problem, [fence(GOOD), fence(WRONG)], CORRECT)
    assert group.error is None
    assert [r.verdict for r in group.results] == [Verdict.passed, Verdict.wrong_answer]


# ---------------------------------------------------------------- the comparison against itself
def checker(body: str) -> dict[str, str]:
    return {"mode": "checker", "checker": f"def check(inp, expected, actual):\n    {body}\n"}


def test_checker_that_raises_on_the_expected_output_is_an_invalid_problem(scorer: Scorer) -> None:
    problem = make("t/checker-raises", comparison=checker("raise KeyError(1)"))
    assert_invalid(scorer.score_group(problem, [fence(GOOD), fence(WRONG)], CORRECT), "checker", "test 0", "KeyError")


def test_checker_that_rejects_the_expected_output_is_an_invalid_problem(scorer: Scorer) -> None:
    problem = make("t/checker-false", comparison=checker("return actual != expected or inp['args'][0] == 1"))
    assert_invalid(scorer.score_group(problem, [fence(GOOD)], CORRECT), "checker rejects", "test 1")


def test_checker_that_raises_on_a_performance_input_is_an_invalid_problem(scorer: Scorer) -> None:
    generator = "def generate(scale, seed):\n    return {'args': [scale]}\n"
    problem = make("t/checker-perf", comparison=checker("return {1: True, 2: True}[inp['args'][0]]"),
                   performance={"generator": generator, "scale": 7})
    assert_invalid(scorer.score_group(problem, [fence(GOOD)]), "checker", "performance input 0", "KeyError")


def test_nan_expected_under_exact_is_an_invalid_problem(scorer: Scorer) -> None:
    nan = "def f(x):\n    return [x, float('nan')]\n"
    problem = make("t/nan-exact", reference=nan)
    assert_invalid(scorer.score_group(problem, [fence(nan)], CORRECT), "test 0", "NaN", "float")
    given = Problem(id="t/nan-given", entry_point="f", tests=[{"args": [1], "expected": {"__float__": "nan"}}])
    assert_invalid(scorer.score_group(given, [fence("def f(x):\n    return float('nan')\n")], CORRECT), "NaN")


def test_nan_expected_under_float_is_judged(scorer: Scorer) -> None:
    nan = "def f(x):\n    return [x, float('nan')]\n"
    problem = make("t/nan-float", reference=nan, comparison={"mode": "float"})
    group = scorer.score_group(problem, [fence(nan), fence(GOOD)], CORRECT)
    assert group.error is None
    assert [r.verdict for r in group.results] == [Verdict.passed, Verdict.wrong_answer]


def test_checker_failing_only_on_a_candidates_output_is_its_wrong_answer(scorer: Scorer) -> None:
    """The checker accepts expected against expected, but raises on a string: that candidate's fault."""
    problem = make("t/checker-typed", comparison=checker("return actual + 0 == expected"))
    text = "def f(x):\n    return str(x)\n"
    group = scorer.score_group(problem, [fence(GOOD), fence(text), fence(WRONG)], CORRECT)
    assert group.error is None
    assert [r.verdict for r in group.results] == [Verdict.passed, Verdict.wrong_answer, Verdict.wrong_answer]
    assert [r.reward for r in group.results] == [1.0, 0.0, 0.0]
    assert "checker failed" in (group.results[1].diagnostic.message or "")


# ---------------------------------------------------------------- a run's inputs past its scratch directory
@pytest.fixture(scope="module")
def small_scratch(settings: Settings) -> Iterator[Scorer]:
    small = settings.model_copy(update={"sandbox": settings.sandbox.model_copy(update={"scratch_mb": 4})})
    with Scorer(small) as s:
        yield s


def test_inputs_past_the_scratch_directory_are_an_invalid_problem(small_scratch: Scorer) -> None:
    # A run's request is written to its scratch directory: one past it killed the zygote,
    # twice, and every response of the problem was a sandbox_error.
    problem = make("t/huge-input", tests=[{"args": ["x" * (6 << 20)]}])
    assert_invalid(small_scratch.score_group(problem, [fence(GOOD), fence(WRONG)], CORRECT), "scratch")


def test_outputs_past_the_checkers_scratch_directory_are_the_candidates_failure(small_scratch: Scorer) -> None:
    # The checker's request carries the candidate's outputs, escaped twice: 2 MB of quotes
    # was 8 MB of request, past a 4 MB scratch directory (a reward null for a wrong answer).
    checker = "def check(inp, expected, actual):\n    return expected == actual\n"
    problem = make("t/checker-scratch", comparison={"mode": "checker", "checker": checker})
    code = "def f(x):\n    return '\"' * 2_000_000 if x == 2 else x\n"
    group = small_scratch.score_group(problem, [fence(GOOD), fence(code)], CORRECT)
    assert [r.verdict for r in group.results] == [Verdict.passed, Verdict.wrong_answer], group.results
    assert group.error is None
