"""Found by probing the service with real-looking requests and responses (branch apicheck)."""

from __future__ import annotations

import pytest

from reward_service.errors import InvalidProblem
from reward_service.extract import find_blocks, triage
from reward_service.problem import EntryPoint, Problem
from reward_service.scoring import Scorer
from reward_service.verdict import Verdict

ADD = EntryPoint.parse("add")
CODE = "def add(a, b):\n    return a + b\n"


def test_a_fence_in_a_list_item_loses_its_indentation() -> None:
    """CommonMark: a fence indented N <= 3 spaces has up to N spaces removed from its lines.
    Models put code under numbered steps; that code was kept indented: a SyntaxError, no_entity."""
    for bullet, pad in (("1. ", "   "), ("- ", "  "), ("", " ")):
        body = "".join(pad + line + "\n" for line in ["```python", *CODE.splitlines(), "```"])
        ex = triage(f"{bullet}Here is the code:\n{body}", ADD)
        assert ex.verdict is None and ex.code == CODE, (bullet, ex)
    # lines indented less than the fence lose what they have, no more
    assert find_blocks("  ```python\n x = 1\ny = 2\n  ```\n")[0].code == "x = 1\ny = 2\n"


def test_lines_end_where_python_ends_them() -> None:
    """U+2028, U+0085, form feed and the like are not line ends in Python source; splitting
    the response at them (str.splitlines) broke a comment or string holding one in two."""
    for char in ("\u2028", "\x85", "\x1c", "\x0b"):
        code = f"def add(a, b):\n    # a{char}b\n    return a + b\n"
        ex = triage(f"```python\n{code}```", ADD)
        assert ex.verdict is None and ex.code == code, repr(char)
    crlf = triage("```python\r\ndef add(a, b):\r\n    return a + b\r\n```\r\n", ADD)
    assert crlf.verdict is None and crlf.code == CODE


def test_a_definition_under_a_main_guard_is_no_entity() -> None:
    """The candidate's module is not ``__main__`` when the tests load it, so a function
    defined only under ``if __name__ == "__main__":`` does not exist: no_entity (-0.5),
    as the README says, not a runtime_error (0.0) found by running it."""
    guarded = 'if __name__ == "__main__":\n    def add(a, b):\n        return a + b\n'
    assert triage(f"```python\n{guarded}```", ADD).verdict is Verdict.no_entity
    reversed_guard = guarded.replace('__name__ == "__main__"', '"__main__" == __name__')
    assert triage(f"```python\n{reversed_guard}```", ADD).verdict is Verdict.no_entity
    # defined at the top, exercised under the guard: fine; and the guard's else branch counts
    assert triage(f'```python\n{CODE}if __name__ == "__main__":\n    print(add(1, 2))\n```', ADD).verdict is None
    other = 'if __name__ == "__main__":\n    pass\nelse:\n' + "".join("    " + line + "\n" for line in CODE.splitlines())
    assert triage(f"```python\n{other}```", ADD).verdict is None


@pytest.mark.parametrize("entry", ["def", "None", "class().f", "Solution().return", "lambda"])
def test_a_keyword_is_no_entry_point(entry: str) -> None:
    """No code can define a keyword: every response would get no_entity (-0.5) for the
    problem's fault. The problem is refused instead (422 invalid_problem)."""
    with pytest.raises(InvalidProblem):
        EntryPoint.parse(entry)
    assert EntryPoint.parse("match").function == "match"  # a soft keyword is a name


@pytest.mark.parametrize("performance", [{}, {"generator": "def generate(scale, seed):\n    return {'args': [1, 2]}\n",
                                             "seeds": []}])  # fmt: skip
def test_performance_without_inputs_meters_the_tests(scorer: Scorer, performance: dict[str, object]) -> None:
    """A performance section with no inputs meters the tests (metered_inputs "tests"). Its
    expected outputs were the tests' outputs, compared one by one with the first test's
    output only: a ValueError on every run, retried and reported as sandbox_error."""
    problem = Problem.model_validate({
        "id": "apicheck/perf-empty", "entry_point": "add", "reference": CODE,
        "tests": [{"args": [1, 2]}, {"args": [3, 4]}], "performance": performance,
    })  # fmt: skip
    assert problem.metered_inputs() == "tests"
    m = scorer.evaluate(problem, CODE)
    assert m.verdict is Verdict.passed and m.instructions, m.diagnostic


def test_rounding_leaves_the_fixed_rewards_exact() -> None:
    """round_digits=0 made format_error -2.0 (round(-1.5) is -2) and no_entity -0.0."""
    from reward_service.pipeline import assemble_group
    from reward_service.results import Measurement, ScoreOptions

    problem = Problem.model_validate({"id": "apicheck/round", "entry_point": "add", "reference": CODE,
                                      "tests": [{"args": [1, 2]}]})  # fmt: skip
    items = [Measurement(verdict=Verdict.passed, instructions=1000, meter="qemu"),
             Measurement(verdict=Verdict.passed, instructions=100_000, meter="qemu"),
             Measurement(verdict=Verdict.format_error), Measurement(verdict=Verdict.no_entity),
             Measurement(verdict=Verdict.wrong_answer), Measurement(verdict=Verdict.sandbox_error)]  # fmt: skip
    for digits in (0, 1, 2):
        rewards = [r.reward for r in assemble_group(problem, items, ScoreOptions(round_digits=digits)).results]
        assert rewards == [2.0, 1.0, -1.5, -0.5, 0.0, None], (digits, rewards)
    unrounded = assemble_group(problem, items, ScoreOptions()).results
    assert [r.reward for r in unrounded][2:] == [-1.5, -0.5, 0.0, None]


def test_a_given_expected_output_counts() -> None:
    """``{"args": [1, 2], "expected": 4}``: has_expected says whether expected is given, but
    stayed False unless set as well, so the 4 was silently replaced by the reference's output
    (and without a reference the problem was refused: "tests without expected outputs")."""
    case = {"args": [1, 2], "expected": 4}
    with_ref = Problem.model_validate({"id": "apicheck/given", "entry_point": "add", "reference": CODE, "tests": [case]})
    assert with_ref.tests[0].has_expected and with_ref.tests[0].expected == 4
    alone = Problem.model_validate({"id": "apicheck/given", "entry_point": "add", "tests": [case]})
    assert alone.tests[0].has_expected
    none_expected = Problem.model_validate({"id": "apicheck/none", "entry_point": "add",
                                            "tests": [{"args": [1], "expected": None}]})  # fmt: skip
    assert none_expected.tests[0].has_expected and none_expected.tests[0].expected is None
    # said outright, has_expected wins; and a dumped problem loads as it was
    explicit = Problem.model_validate({"id": "apicheck/given", "entry_point": "add", "reference": CODE,
                                       "tests": [{**case, "has_expected": False}]})  # fmt: skip
    assert not explicit.tests[0].has_expected
    assert Problem.model_validate_json(with_ref.model_dump_json(exclude_defaults=True)) == with_ref
