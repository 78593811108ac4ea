"""LeetCodeDataset as problems, on the real data set (../shared/data)."""

from __future__ import annotations

import ast
import contextlib
import io
import math
from functools import cache
from typing import Any

from reward_service.datasets import NODE_ENCODER, leetcode_conversion_counts, load_leetcode, load_leetcode_responses
from reward_service.datasets.leetcode import VALIDITY_CHECKERS
from reward_service.problem import Case, Problem
from reward_service.sandbox import wire


@cache
def problems() -> dict[str, Problem]:
    return {p.id: p for p in load_leetcode()}


def namespace(problem: Problem) -> dict[str, Any]:
    ns: dict[str, Any] = {}
    exec(problem.setup, ns)
    return ns


def call(problem: Problem, ns: dict[str, Any], case: Case) -> Any:
    exec(problem.reference or "", ns)
    entry = problem.entry
    assert entry.class_name is not None
    method = getattr(ns[entry.class_name](), entry.function)
    if case.expr is not None:
        args, kwargs = eval(case.expr, ns)  # trusted: built by the loader
    else:
        args, kwargs = case.args, case.kwargs
    with contextlib.redirect_stdout(io.StringIO()):
        return method(*args, **kwargs)


def test_every_problem_converts_and_every_assert_is_kept() -> None:
    assert len(problems()) == 228
    counts = leetcode_conversion_counts()
    assert counts == {"literal": 23159, "expr": 75, "problems": 228}
    assert sum(len(p.tests) for p in problems().values()) == 23159 + 75
    for problem in problems().values():
        assert problem.entry.class_name == "Solution"
        assert "class TreeNode" in problem.setup and "def list_node" in problem.setup
        assert problem.reference and problem.prompt


def test_literal_cases_hold_kwargs_and_wire_encoded_expectations() -> None:
    problem = problems()["shortest-distance-after-road-addition-queries-i"]
    first = problem.tests[0]
    assert first.kwargs == {"n": 7, "queries": [[0, 5], [1, 6], [2, 4]]}
    assert first.has_expected and first.expected == [2, 2, 2] and first.expr is None
    infinite = [c for p in problems().values() for c in p.tests if c.expected == {"__float__": "-inf"}]
    assert len(infinite) == 103


def test_tree_inputs_are_expressions_evaluated_after_setup() -> None:
    problem = problems()["k-th-largest-perfect-subtree-size-in-binary-tree"]
    assert problem.output_encoder == NODE_ENCODER
    ns = namespace(problem)
    for case in problem.tests:
        assert case.expr is not None and case.has_expected
        args, kwargs = eval(case.expr, ns)
        assert args == () and type(kwargs["root"]).__name__ in {"TreeNode", "NoneType"}
        assert wire.encode(call(problem, ns, case)) == case.expected


def test_examples_from_the_statement_are_visible() -> None:
    problem = problems()["shortest-distance-after-road-addition-queries-i"]
    visible = [c.kwargs for c in problem.tests if not c.hidden]
    assert {"n": 5, "queries": [[2, 4], [0, 2], [0, 4]]} in visible
    assert sum(1 for p in problems().values() if any(not c.hidden for c in p.tests)) >= 220
    tree = problems()["k-th-largest-perfect-subtree-size-in-binary-tree"]
    assert sum(not c.hidden for c in tree.tests) >= 2


def test_reference_completions_meet_the_parsed_expectations() -> None:
    mismatches = {}
    for problem in problems().values():
        ns = namespace(problem)
        for case in problem.tests[:3]:
            got = wire.encode(call(problem, ns, case))
            if got != case.expected:
                mismatches[problem.id] = (case, got)
    assert mismatches == {}


def test_node_encoder_turns_lists_and_trees_into_plain_lists() -> None:
    problem = problems()["k-th-largest-perfect-subtree-size-in-binary-tree"]
    ns = namespace(problem)
    enc: dict[str, Any] = {}
    exec(NODE_ENCODER, enc)
    encode = enc["encode"]
    assert encode(ns["list_node"]([1, 2, 3])) == [1, 2, 3]
    assert encode(ns["tree_node"]([1, 2, 3, None, 4])) == [1, 2, 3, None, 4]
    assert encode([ns["tree_node"]([5]), (ns["list_node"]([7]), 1)]) == [[5], ([7], 1)]
    assert encode(None) is None and encode({"a": 1.5}) == {"a": 1.5}
    assert math.isinf(encode(math.inf))


def test_responses_are_markdown_with_code() -> None:
    responses = load_leetcode_responses()
    assert set(responses) == set(problems())
    written = [text for text in responses.values() if text]
    assert len(written) >= 110  # the data set leaves 109 responses empty
    assert all("```python" in text for text in written)
    some = written[0]
    block = some.split("```python", 1)[1].split("```", 1)[0]
    ast.parse(block)


def _verdicts(scorer: Any, problem: Problem, *codes: str) -> list[str]:
    from reward_service.results import ScoreOptions

    group = scorer.score_group(problem, [f"```python\n{c}```" for c in codes], ScoreOptions(measure=False))
    return [r.verdict.value for r in group.results]


def _wrapped(problem: Problem, method: str, transform: str) -> str:
    """The reference completion, its answer passed through ``transform`` (an expression of ``out``)."""
    return (problem.reference or "") + (
        f"\n_rs_reference = Solution.{method}\n"
        f"def _rs_changed(self, *args, **kwargs):\n    out = _rs_reference(self, *args, **kwargs)\n    return {transform}\n"
        f"Solution.{method} = _rs_changed\n")


def test_answers_leetcode_accepts_pass_where_the_asserts_equality_would_not(scorer: Any) -> None:
    # A helper's review: correct answers got 0.0 where the statement allows another order,
    # another valid answer, or a float within 1e-5.
    cases = {
        # "(in any order)": the statement's own example says [4, 5]; the assert wants [5, 4]
        "the-two-sneaky-numbers-of-digitville": ("getSneakyNumbers", "out[::-1]", "out[:1] * 2"),
        "find-indices-of-stable-mountains": ("stableMountains", "out[::-1]", "out[1:]"),
        "frequencies-of-shortest-supersequences": ("supersequences", "out[::-1]", "out[:-1]"),
        # "if there are multiple solutions, return any of them": a transposed grid is one
        "construct-2d-grid-matching-graph-layout": (
            "constructGridLayout", "[list(r) for r in zip(*out)]", "[r[::-1] if i == 0 else r for i, r in enumerate(out)]"),
        # another farthest node: the answer for a path's middle may be either end
        "find-the-last-marked-nodes-in-tree": ("lastMarkedNodes", "out", "list(range(len(out)))"),
        # "answers within 10^-5 of the actual answer will be accepted"
        "separate-squares-i": ("separateSquares", "out + 1e-7", "out + 1e-3"),
    }
    for task, (method, accepted, wrong) in cases.items():
        problem = problems()[task]
        if task == "construct-2d-grid-matching-graph-layout":
            # 27 of its 33 tests give a graph that is no grid (against the statement's
            # constraints): there only the reference's own answer passes. The other six:
            ns: dict[str, Any] = {}
            exec(VALIDITY_CHECKERS[task], ns)
            valid = [c for c in problem.tests if ns["_rs_valid"](wire.decode(c.expected), c.kwargs["n"], c.kwargs["edges"])]
            assert len(valid) == 6
            problem = problem.model_copy(update={"tests": valid})
        got = _verdicts(scorer, problem, _wrapped(problem, method, accepted), _wrapped(problem, method, wrong))
        assert got == ["passed", "wrong_answer"], (task, got)
    # the comparison stays exact for ints, and for the order of problems that do not allow another
    problem = problems()["shortest-distance-after-road-addition-queries-i"]
    assert problem.comparison.mode == "float"
    got = _verdicts(scorer, problem, _wrapped(problem, "shortestDistanceAfterQueries", "[x + 1e-7 for x in out]"),
                    _wrapped(problem, "shortestDistanceAfterQueries", "out[::-1]"))
    assert got == ["wrong_answer", "wrong_answer"]
