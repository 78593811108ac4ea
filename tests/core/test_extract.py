import pytest

from reward_service.extract import code_digest, find_blocks, triage
from reward_service.problem import EntryPoint
from reward_service.verdict import Verdict

F = EntryPoint.parse("f")


def test_no_block_is_format_error() -> None:
    assert triage("def f(): return 1", F).verdict is Verdict.format_error
    assert triage("```python\ndef f(): return 1\n", F).verdict is Verdict.format_error  # unclosed


def test_other_language_does_not_count() -> None:
    assert triage("```js\nfunction f() {}\n```", F).verdict is Verdict.format_error


def test_untagged_block_counts_when_no_python_block() -> None:
    ex = triage("```\ndef f():\n    return 1\n```", F)
    assert ex.verdict is None and ex.code is not None


def test_last_defining_block_wins() -> None:
    text = "```python\ndef f():\n    return 1\n```\nthen\n```python\ndef f():\n    return 2\n```\n```python\nprint(f())\n```"
    ex = triage(text, F)
    assert ex.verdict is None and ex.code is not None and "return 2" in ex.code


def test_missing_entity_and_syntax_error() -> None:
    assert triage("```python\ndef g():\n    return 1\n```", F).verdict is Verdict.no_entity
    ex = triage("```python\ndef f(:\n```", F)
    assert ex.verdict is Verdict.no_entity and "SyntaxError" in ex.message


def test_solution_method() -> None:
    ep = EntryPoint.parse("Solution().twoSum")
    ok = "```python\nclass Solution:\n    def twoSum(self, a):\n        return a\n```"
    assert triage(ok, ep).verdict is None
    bad = "```python\nclass Solution:\n    def other(self, a):\n        return a\n```"
    assert triage(bad, ep).verdict is Verdict.no_entity


def test_digest_ignores_formatting_and_comments() -> None:
    a = "def f(x):\n    return x+1  # add\n"
    b = "def f(x):\n\n    return (x + 1)\n"
    assert code_digest(a) == code_digest(b)
    assert code_digest(a) != code_digest("def f(x):\n    return x+2\n")


def test_tilde_fences() -> None:
    assert len(find_blocks("~~~python\nx=1\n~~~\n")) == 1


@pytest.mark.parametrize("info", ["python", "Python3", "py", "python:solution.py", "{.python}", "python3.11",
                                  "python title=\"a.py\"", "py {linenos}"])
def test_python_tags_with_file_names_and_attributes(info: str) -> None:
    text = f"```js\nconst f = 1\n```\n```{info}\ndef f():\n    return 1\n```"
    ex = triage(text, F)
    assert ex.verdict is None and ex.code is not None and "return 1" in ex.code


@pytest.mark.parametrize("info", ["pythonic", "javascript:python.js", "cython", "pyc"])
def test_other_languages_that_look_like_python_do_not_count(info: str) -> None:
    assert triage(f"```python\nx = 1\n```\n```{info}\ndef f():\n    return 1\n```", F).verdict is Verdict.no_entity


# Real response shapes that gave a correct solution a wrong reward (a helper's review).
SOLUTION = "def f(n):\n    return n + 1\n"


def test_a_usage_block_that_imports_the_entry_point_does_not_replace_the_solution() -> None:
    # models show how to call it: `from solution import f` (then a ModuleNotFoundError, 0.0)
    for usage in ("from solution import f\nprint(f(1))\n", "import unittest\nfrom main import f\n"
                  "class T(unittest.TestCase):\n    def test(self):\n        self.assertEqual(f(1), 2)\n"):
        ex = triage(f"```python\n{SOLUTION}```\nUsage:\n```python\n{usage}```\n", F)
        assert ex.verdict is None and ex.code == SOLUTION, ex
    # a block that only imports it still counts when nothing defines it
    ex = triage("```python\nfrom math import gcd as f\n```", F)
    assert ex.verdict is None and ex.code is not None and "gcd" in ex.code


def test_a_fence_in_a_list_item_at_any_depth_counts() -> None:
    indented = "".join("    " + line + "\n" for line in SOLUTION.splitlines())
    ex = triage(f"1. Here is the code:\n\n    ```python\n{indented}    ```\n", F)  # CommonMark: a fence in the item
    assert ex.verdict is None and ex.code == SOLUTION, ex
    tabbed = "".join("\t" + line + "\n" for line in SOLUTION.splitlines())
    ex = triage(f"\t```python\n{tabbed}\t```\n", F)
    assert ex.verdict is None and ex.code == SOLUTION, ex


def test_an_untagged_solution_counts_beside_a_python_block_that_defines_nothing() -> None:
    ex = triage(f"```\n{SOLUTION}```\nExample:\n```python\nprint(f(1))\n```\n", F)
    assert ex.verdict is None and ex.code == SOLUTION, ex
    ex = triage(f"```python\n>>> f(1)\n2\n```\n```\n{SOLUTION}```\n", F)
    assert ex.verdict is None and ex.code == SOLUTION, ex
    # a python block that defines it wins over an untagged one, wherever they stand
    ex = triage(f"```python\n{SOLUTION}```\n```\ndef f(n):\n    return 0\n```\n", F)
    assert ex.verdict is None and ex.code == SOLUTION, ex


def test_py3_is_a_python_tag() -> None:
    ex = triage(f"```py3\n{SOLUTION}```\n", F)
    assert ex.verdict is None and ex.code == SOLUTION
