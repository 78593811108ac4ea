"""Judging as EvalPlus judges (issue 9): whatever an output's size, a digest never changes a
verdict; big ints, long strings and large outputs are judged correctly; int/float equality
and tolerances hold on huge outputs; checkers see their inputs; MBPP+'s own rules."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from reward_service.datasets.mbppplus import load_mbppplus
from reward_service.problem import Problem
from reward_service.results import ScoreOptions
from reward_service.sandbox import wire
from reward_service.scoring import Scorer
from reward_service.verdict import Verdict

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CORRECT = ScoreOptions(measure=False)


def fence(code: str) -> str:
    return f"```python\n{code}```"


def verdicts(scorer: Scorer, problem: Problem, *codes: str) -> list[Verdict]:
    group = scorer.score_group(problem, [fence(c) for c in codes], CORRECT)
    return [r.verdict for r in group.results]


def test_huge_output_int_float_equality_is_judged_in_full(scorer: Scorer) -> None:
    """Over 20,000 items the sandbox sends a digest; 2 == 2.0 still holds (the digests
    differ, so the outputs are compared in full) and a real difference still fails."""
    n = wire.DIGEST_OVER + 5
    problem = Problem(id="t/halves", entry_point="f", reference=f"def f(k):\n    return [i * 2.0 for i in range({n})]\n",
                      tests=[{"args": [1]}])
    ints = f"def f(k):\n    return [i * 2 for i in range({n})]\n"
    same = f"def f(k):\n    return [float(i + i) for i in range({n})]\n"
    off_by_one = f"def f(k):\n    return [i * 2.0 for i in range({n - 1})] + [1.0]\n"
    assert verdicts(scorer, problem, ints, same, off_by_one) == [Verdict.passed, Verdict.passed, Verdict.wrong_answer]


def test_huge_output_within_atol_passes(scorer: Scorer) -> None:
    n = wire.DIGEST_OVER * 2
    problem = Problem(id="t/thirds", entry_point="f", reference=f"def f(k):\n    return [i / 3 for i in range({n})]\n",
                      tests=[{"args": [1]}], comparison={"mode": "float", "atol": 1e-9})
    close = f"def f(k):\n    return [i / 3 + 1.1e-16 * (i % 2) for i in range({n})]\n"
    far = f"def f(k):\n    return [i / 3 + 1e-6 * (i == 7) for i in range({n})]\n"
    assert verdicts(scorer, problem, close, far) == [Verdict.passed, Verdict.wrong_answer]


def test_long_strings_are_digested_and_judged(scorer: Scorer) -> None:
    size = wire.DIGEST_STR_OVER * 3
    problem = Problem(id="t/long", entry_point="f", reference=f"def f(c):\n    return c * {size}\n",
                      tests=[{"args": ["a"]}, {"args": ["é"]}])
    same = f"def f(c):\n    return ''.join([c] * {size})\n"
    short = f"def f(c):\n    return c * {size - 1}\n"
    assert verdicts(scorer, problem, same, short) == [Verdict.passed, Verdict.wrong_answer]
    out = wire.dumps_output("x" * size)
    assert len(out) < 200 and "__digest__" in out  # what makes 147 MB of strings cheap to carry
    assert "__digest__" not in wire.dumps_output("x" * size, digest=False)


def test_big_ints_past_the_decimal_limit(scorer: Scorer) -> None:
    """Python refuses int <-> str past 4,300 digits; outputs and counts must not depend on it."""
    problem = Problem(id="t/pow", entry_point="f", reference="def f(n):\n    return 7 ** n\n",
                      tests=[{"args": [10]}, {"args": [20000]}], performance={"inputs": [{"args": [30000]}]})
    right = "def f(n):\n    r = 1\n    for _ in range(n):\n        r *= 7\n    return r\n"
    wrong = "def f(n):\n    return 7 ** n + (n > 100)\n"
    group = scorer.score_group(problem, [fence(right), fence(wrong)], ScoreOptions())
    assert [r.verdict for r in group.results] == [Verdict.passed, Verdict.wrong_answer]
    assert group.results[0].instructions


def test_checker_reads_the_input_on_every_kind_of_input(scorer: Scorer) -> None:
    """A checker judging by the input gets it on tests, explicit and generated performance inputs."""
    checker = "def check(inp, expected, actual):\n    (n,) = inp['args']\n    return sorted(actual) == list(range(n))\n"
    problem = Problem(
        id="t/perm", entry_point="f", reference="def f(n):\n    return list(range(n))\n",
        tests=[{"args": [3]}, {"args": [5]}], comparison={"mode": "checker", "checker": checker},
        performance={"inputs": [{"args": [50]}], "generator": "def generate(scale, seed):\n    return {'args': [scale]}\n",
                     "scale": 40},
    )
    reverse = "def f(n):\n    return list(range(n))[::-1]\n"
    short = "def f(n):\n    return list(range(n - 1 if n > 10 else n))\n"
    group = scorer.score_group(problem, [fence(reverse), fence(short)], ScoreOptions())
    assert [r.verdict for r in group.results] == [Verdict.passed, Verdict.wrong_answer], group.results[1].diagnostic
    assert group.results[1].diagnostic.perf_input_index == 0


def test_reference_over_the_output_limit_is_an_invalid_problem(scorer: Scorer, settings: object) -> None:
    """A reference whose outputs exceed the documented output limit: a problem error with a
    clear message, not a sandbox_error per response."""
    big = 200 << 20  # over sandbox.max_output_bytes (128 MB)
    problem = Problem(id="t/flood", entry_point="f", reference=f"def f(k):\n    return bytes({big})\n",
                      tests=[{"args": [1]}], limits={"memory_mb": 2048})
    group = scorer.score_group(problem, [fence("def f(k):\n    return b''\n")], CORRECT)
    assert group.results[0].verdict is Verdict.invalid_problem
    assert group.error is not None and "output limit" in group.error.message and "t/flood" in group.error.message


@pytest.fixture(scope="module")
def mbpp() -> dict[str, Problem]:
    return {p.id: p for p in load_mbppplus(DATA)}


def test_mbpp_set_tasks_ignore_order(scorer: Scorer, mbpp: dict[str, Problem]) -> None:
    problem = mbpp["Mbpp/2"]  # similar_elements: EvalPlus compares set(out) == set(exp)
    reordered = "def similar_elements(a, b):\n    return tuple(sorted(set(a) & set(b), reverse=True))\n"
    wrong = "def similar_elements(a, b):\n    return tuple(set(a) | set(b))\n"
    assert verdicts(scorer, problem, reordered, wrong) == [Verdict.passed, Verdict.wrong_answer]


def test_mbpp_558_special_oracle(scorer: Scorer, mbpp: dict[str, Problem]) -> None:
    problem = mbpp["Mbpp/558"]  # digit distance: zero-padding the shorter number is accepted too
    padded = ("def digit_distance_nums(a, b):\n    x, y = str(a), str(b)\n    n = max(len(x), len(y))\n"
              "    x, y = x.zfill(n), y.zfill(n)\n    return sum(abs(int(p) - int(q)) for p, q in zip(x, y))\n")
    wrong = "def digit_distance_nums(a, b):\n    return abs(a - b)\n"
    assert verdicts(scorer, problem, problem.reference or "", padded, wrong) == [
        Verdict.passed, Verdict.passed, Verdict.wrong_answer]


def test_mbpp_581_special_oracle(scorer: Scorer, mbpp: dict[str, Problem]) -> None:
    problem = mbpp["Mbpp/581"]  # surface area: "height" read as the perpendicular height is accepted too
    perpendicular = ("import math\ndef surface_Area(b, h):\n    s = math.sqrt((b / 2) ** 2 + h ** 2)\n"
                     "    return round(b * b + 2 * b * s)\n")
    wrong = "def surface_Area(b, s):\n    return b * s\n"
    assert verdicts(scorer, problem, problem.reference or "", perpendicular, wrong) == [
        Verdict.passed, Verdict.passed, Verdict.wrong_answer]


def test_mbpp_not_none_tasks_take_a_bool_as_itself(scorer: Scorer, mbpp: dict[str, Problem]) -> None:
    # EvalPlus: a bool output is compared as it is (its prompt: `assert not text_match_three("ac")`),
    # anything else by whether it is None. `value is not None` made every False a True.
    problem = mbpp["Mbpp/787"]
    as_bool = "import re\ndef text_match_three(text):\n    return bool(re.search(r'ab{3}', text))\n"
    inverted = "import re\ndef text_match_three(text):\n    return not re.search(r'ab{3}', text)\n"
    assert verdicts(scorer, problem, problem.reference or "", as_bool, inverted) == [
        Verdict.passed, Verdict.passed, Verdict.wrong_answer]


def test_an_expected_int_is_matched_exactly_even_under_a_float_tolerance(scorer: Scorer, mbpp: dict[str, Problem]) -> None:
    # Mbpp/279 (the nth decagonal number): a float answer is off past 2**53, and the tolerance
    # (MBPP+ compares with atol 1e-6) is for expected floats only, as in EvalPlus
    problem = mbpp["Mbpp/279"]
    as_float = "def is_num_decagonal(n):\n    return n * (8 * n - 6) / 2\n"
    as_int = "def is_num_decagonal(n):\n    return n * (4 * n - 3)\n"
    assert verdicts(scorer, problem, as_float, as_int) == [Verdict.wrong_answer, Verdict.passed]


def test_a_fraction_or_decimal_equal_to_the_expected_float_passes(scorer: Scorer) -> None:
    # Python's ==, as EvalPlus judges: Fraction(5, 4) == 1.25; one no float equals fails (0.0)
    problem = Problem(id="t/quarter", entry_point="f", reference="def f(n):\n    return n / 4\n",
                      tests=[{"args": [5]}, {"args": [-7]}, {"args": [2**60]}])
    fraction = "from fractions import Fraction\ndef f(n):\n    return Fraction(n, 4)\n"
    decimal = "from decimal import Decimal\ndef f(n):\n    return Decimal(n) / 4 if abs(n) < 1000 else n / 4\n"
    thirds = "from fractions import Fraction\ndef f(n):\n    return Fraction(n, 3)\n"
    assert verdicts(scorer, problem, fraction, decimal, thirds) == [Verdict.passed, Verdict.passed, Verdict.runtime_error]
    assert wire.encode([Decimal("2.50"), Decimal(10), Fraction(6, 3)]) == [2.5, 10, 2]
    for unequal in (Decimal("0.1"), Decimal("nan"), Fraction(1, 3)):
        with pytest.raises(wire.UnencodableOutput):
            wire.encode(unequal)


def test_deep_but_legal_structures(scorer: Scorer) -> None:
    """Nesting within the documented limit (200) is judged like any output."""
    ref = "def f(n):\n    v = [0]\n    for i in range(n):\n        v = [i, v]\n    return v\n"
    problem = Problem(id="t/deep", entry_point="f", reference=ref, tests=[{"args": [150]}, {"args": [3]}])
    tuples = "def f(n):\n    v = [0]\n    for i in range(n):\n        v = [i, v] if i != 100 else (i, v)\n    return v\n"
    recursive = "def f(n):\n    return [n - 1, f(n - 1)] if n else [0]\n"
    assert verdicts(scorer, problem, recursive, tuples) == [Verdict.passed, Verdict.wrong_answer]


def test_reference_that_cannot_be_metered_makes_the_problem_invalid(scorer: Scorer) -> None:
    """A correct candidate whose metered run fails for the meter's overhead (Mbpp/599's suite
    under a software meter, say) is not scored 0.0 when the trusted reference fails the same
    metered run: the limits are the problem's, and it is said so once."""
    ref = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
    problem = Problem(id="t/unmeterable", entry_point="f", reference=ref, tests=[{"args": [10]}],
                      performance={"inputs": [{"args": [3_000_000]}]}, limits={"perf_time_s": 1.0})
    group = scorer.score_group(problem, [fence(ref)], ScoreOptions())
    assert group.results[0].verdict is Verdict.invalid_problem, group.results[0].diagnostic
    assert group.error is not None and "under the meter" in group.error.message
    # the same limits with a reference that fits: a slower candidate's timeout is its own
    fits = problem.model_copy(update={"id": "t/meterable", "reference": "def f(n):\n    return n * (n - 1) // 2\n"})
    group = scorer.score_group(fits, [fence(ref)], ScoreOptions())
    assert group.results[0].verdict is Verdict.timeout and group.error is None


def test_a_run_that_tells_the_digest_run_from_the_full_rerun_gains_nothing(scorer: Scorer) -> None:
    """A candidate that finds its run's request (gc) could answer junk in the digested run and
    the right answer in the full-output rerun; the rerun must give the first run's output."""
    n = wire.DIGEST_OVER + 5
    problem = Problem(id="t/two-faced", entry_point="f", reference=f"def f(k):\n    return [i * 2 for i in range({n})]\n",
                      tests=[{"args": [1]}])
    two_faced = (
        "import gc\n"
        "def f(k):\n"
        "    full = any(type(o) is dict and o.get('digest') is False for o in gc.get_objects())\n"
        f"    return [i * 2 for i in range({n})] if full else [0.5] * {n}\n"
    )
    assert verdicts(scorer, problem, two_faced) == [Verdict.wrong_answer]


def test_comparing_nested_set_members_and_dict_keys_reads_each_part_once() -> None:
    # A red-team finding: a dict key of 20M characters inside 195 tuples took a worker 20 s
    # to compare (each level's text repeated all it held); its canonical text is now one
    # digest a container, whatever it holds, and the comparison keeps Python's `==`.
    from reward_service.compare import canonical, outputs_match
    from reward_service.problem import Comparison

    key: object = "\x01" * 200_000
    for _ in range(195):
        key = (key,)
    assert len(canonical(wire.encode(key))) == 65
    assert not outputs_match(wire.encode({key: 1}), wire.encode({("x",): 1}), Comparison())
    assert outputs_match(wire.encode({key: 1}), wire.encode({key: 1.0}), Comparison())
    same = ({(1, 2): {3, 4}, frozenset({1, 5}): [True]}, {(1.0, 2): {4, 3}, frozenset({5, 1.0}): [1]})
    assert outputs_match(wire.encode(same[0]), wire.encode(same[1]), Comparison())
    assert not outputs_match(wire.encode({(1, 2): {3}}), wire.encode({(1, 2): {3, 4}}), Comparison())
    assert not outputs_match(wire.encode({(1, 2): 1}), wire.encode({(2, 1): 1}), Comparison())
    # under a float tolerance an expected float is within it, an expected int is exact
    loose = Comparison(mode="float", atol=1e-6)
    assert outputs_match(wire.encode([2.0000001]), wire.encode([2.0]), loose)
    assert not outputs_match(wire.encode([2.0000001]), wire.encode([2]), loose)
    assert outputs_match(wire.encode([2.0]), wire.encode([2]), loose)


def test_a_small_wrong_answer_against_an_expected_output_too_large_in_full_is_wrong(tmp_path: Path) -> None:
    # A red-team finding on Mbpp/255: the expected output of a big test came as a digest; a
    # small wrong one left it undecided, the reference's outputs in full were past the output
    # limit, and that made the problem invalid for good: this reward and every later one null.
    from reward_service.settings import MeterSettings, SandboxSettings, Settings

    settings = Settings(data_dir=tmp_path, sandbox=SandboxSettings(concurrency=1, max_output_bytes=2 << 20),
                        meter=MeterSettings(backend="callgrind"))
    problem = Problem(id="t/too-large-in-full", entry_point="f", reference="def f(n):\n    return list(range(n))\n",
                      tests=[{"args": [3]}, {"args": [400_000]}], efficiency="none")
    right = "def f(n):\n    return list(range(n))\n"
    small = "def f(n):\n    return list(range(n)) if n < 10 else []\n"
    huge = "def f(n):\n    return list(range(n)) if n < 10 else list(range(200_000))\n"  # a digest, in full 1.3 MB
    with Scorer(settings) as scorer:
        assert verdicts(scorer, problem, right, small, right) == [Verdict.passed, Verdict.wrong_answer, Verdict.passed]
        # a digest of another length is another output; two of one length that cannot be
        # compared in full: the infrastructure's limit, a null for this candidate, never the problem's
        zeros = "def f(n):\n    return list(range(n)) if n < 10 else [0] * n\n"  # 0.8 MB in full
        assert verdicts(scorer, problem, huge, zeros, right) == [Verdict.wrong_answer, Verdict.sandbox_error,
                                                                 Verdict.passed]


def test_the_full_output_rerun_of_a_right_answer_is_not_held_to_the_tests_time_limits(scorer: Scorer) -> None:
    # A review of the per-test limit covering the output's encoding: floats within tolerance
    # digest apart, so the run is made again in full, whose encoding costs several times the
    # digest's; under the tests' limits (the reference's time with digests, times 4) a right
    # answer timed out there, and that was its wrong answer.
    reference = "def f(n):\n    row = [0.5 * j for j in range(100)]\n    return [row] * n\n"
    close = "def f(n):\n    row = [0.5 * j * (1 + 1e-12) for j in range(100)]\n    return [row] * n\n"
    problem = Problem(id="t/rerun-in-full", entry_point="f", reference=reference,
                      tests=[{"args": [2], "hidden": False}, {"args": [40000]}],
                      comparison={"mode": "float"}, limits={"time_s": 20, "memory_mb": 1024})
    assert verdicts(scorer, problem, close, reference) == [Verdict.passed, Verdict.passed]
