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
