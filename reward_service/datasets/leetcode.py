"""LeetCodeDataset as problems.

A task's ``test`` field is a ``def check(candidate):`` function of asserts. Each
``assert candidate(**kw) == <expected>`` becomes one test, read with :mod:`ast` (never run):

- every argument a literal (``inf`` and ``nan`` allowed) and JSON-able: a test with
  ``kwargs`` and, if the expected value is a literal too, its wire encoding;
- otherwise (``root=tree_node([...])``, say): a trusted ``expr`` evaluated after ``setup``
  (the dataset's ``prompt``: imports and the ListNode/TreeNode helpers), the expected
  value kept when it is a literal, else left to the reference;
- any other assert that calls the candidate once (``is_same_tree(candidate(...), ...)``):
  an ``expr`` test whose expected output the reference computes.

Tests whose input appears as an example in the problem statement are marked visible.

Outputs are compared as LeetCode's judge accepts them, not as the assert's ``==`` does:
floats within 1e-5 (:data:`FLOAT_COMPARISON`); a list the statement lets you "return in any
order" as a multiset (:data:`ANY_ORDER_CHECKER`, found in the statement); and the problems
that accept any of several answers by a checker of validity (:data:`VALIDITY_CHECKERS`).
Problems whose signature mentions ListNode or TreeNode carry :data:`NODE_ENCODER`, which
turns linked lists and trees into plain lists (LeetCode's level order, ``None`` for gaps).
"""

from __future__ import annotations

import ast
import copy
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..problem import Case, Comparison, Limits, Problem
from ..sandbox import wire
from .paths import data_file, read_jsonl

__all__ = [
    "LEETCODE_FILE",
    "NODE_ENCODER",
    "load_leetcode",
    "load_leetcode_responses",
    "leetcode_conversion_counts",
]

LEETCODE_FILE = "leetcode/LeetCodeDataset-v0.3.1-test.jsonl.gz"

NODE_ENCODER = '''\
def encode(value):
    """Linked lists and binary trees as plain lists; containers walked; all else unchanged."""
    kind = type(value).__name__
    if kind == "ListNode" or (hasattr(value, "val") and hasattr(value, "next")):
        out, seen = [], set()
        while value is not None and id(value) not in seen:
            seen.add(id(value))
            out.append(encode(value.val))
            value = value.next
        return out
    if kind == "TreeNode" or (hasattr(value, "val") and hasattr(value, "left")
                              and hasattr(value, "right")):
        out, queue, head = [], [value], 0
        while head < len(queue):
            node = queue[head]
            head += 1
            if node is None:
                out.append(None)
                continue
            out.append(encode(node.val))
            queue.append(node.left)
            queue.append(node.right)
        while out and out[-1] is None:
            out.pop()
        return out
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(encode(v) for v in value)
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value
'''

# How LeetCode judges, where an assert's `==` is stricter than the statement:
#: float answers: "answers within 10^-5 of the actual answer will be accepted" (expected
#: ints stay exact: ``compare``); a relative part for answers in the billions
FLOAT_COMPARISON = Comparison(mode="float", atol=1e-5, rtol=1e-9)
#: "return the answer in any order": the returned list as a multiset
ANY_ORDER_CHECKER = """\
def check(inp, expected, actual):
    if not isinstance(actual, list) or len(actual) != len(expected):
        return False
    try:
        return sorted(actual) == sorted(expected)
    except TypeError:
        return sorted(map(repr, actual)) == sorted(map(repr, expected))
"""
_ANY_ORDER = re.compile(r"[^.]*\breturn\b[^.]*\bin any order\b", re.IGNORECASE)
_GRID_CHECKER = """\
def _rs_valid(grid, n, edges):
    # a grid of 0..n-1 whose side-by-side cells are exactly the graph's edges
    if not isinstance(grid, list) or not grid or not all(isinstance(r, list) for r in grid):
        return False
    width = len(grid[0])
    if any(len(r) != width for r in grid):
        return False
    cells = [v for r in grid for v in r]
    if any(type(v) is not int for v in cells) or sorted(cells) != list(range(n)):
        return False
    got = set()
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if j + 1 < width:
                got.add((min(v, row[j + 1]), max(v, row[j + 1])))
            if i + 1 < len(grid):
                w = grid[i + 1][j]
                got.add((min(v, w), max(v, w)))
    return got == {(min(a, b), max(a, b)) for a, b in edges}
def check(inp, expected, actual):
    kw = inp["kwargs"] or dict(zip(("n", "edges"), inp["args"]))
    if not _rs_valid(expected, kw["n"], kw["edges"]):
        return actual == expected  # a test whose graph is no grid (one in the data set): its own answer
    return _rs_valid(actual, kw["n"], kw["edges"])
"""
_LAST_MARKED_CHECKER = """\
def check(inp, expected, actual):
    # any node that is marked last from node i: one as far from i as the expected one
    edges = (inp["kwargs"] or {"edges": inp["args"][0]})["edges"]
    n = len(edges) + 1
    if not isinstance(actual, list) or len(actual) != n or any(type(v) is not int or not 0 <= v < n for v in actual):
        return False
    adj = [[] for _ in range(n)]
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    parent, depth, order = [0] * n, [0] * n, [0]
    seen = [False] * n
    seen[0] = True
    for u in order:
        for v in adj[u]:
            if not seen[v]:
                seen[v] = True
                parent[v], depth[v] = u, depth[u] + 1
                order.append(v)
    up = [parent]
    while (1 << len(up)) < n:
        prev = up[-1]
        up.append([prev[prev[v]] for v in range(n)])
    def dist(a, b):
        x, y = (a, b) if depth[a] >= depth[b] else (b, a)
        diff, k = depth[x] - depth[y], 0
        while diff:
            if diff & 1:
                x = up[k][x]
            diff >>= 1
            k += 1
        if x != y:
            for k in range(len(up) - 1, -1, -1):
                if up[k][x] != up[k][y]:
                    x, y = up[k][x], up[k][y]
            x = parent[x]
        return depth[a] + depth[b] - 2 * depth[x]
    return all(dist(i, actual[i]) == dist(i, expected[i]) for i in range(n))
"""
#: "if there are multiple solutions, return any of them": a checker of validity
VALIDITY_CHECKERS = {
    "construct-2d-grid-matching-graph-layout": _GRID_CHECKER,
    "find-the-last-marked-nodes-in-tree": _LAST_MARKED_CHECKER,
}


def comparison_for(task_id: str, statement: str) -> Comparison:
    """How a LeetCode problem's outputs are compared (module docstring)."""
    if task_id in VALIDITY_CHECKERS:
        return Comparison(mode="checker", checker=VALIDITY_CHECKERS[task_id])
    if _ANY_ORDER.search(statement):
        return Comparison(mode="checker", checker=ANY_ORDER_CHECKER)
    return FLOAT_COMPARISON


_NODE_TYPES = re.compile(r"\b(ListNode|TreeNode)\b")
_INPUT_LINE = re.compile(r"^\s*Input:\s*(.+?)\s*$", re.MULTILINE)
_JSON_NAMES: dict[str, Any] = {
    "inf": math.inf,
    "nan": math.nan,
    "null": None,
    "true": True,
    "false": False,
}
_BUILDERS = frozenset({"tree_node", "list_node"})


class _Names(ast.NodeTransformer):
    """Replace the few names a literal may use (``-inf``, JSON's ``null``) by constants."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in _JSON_NAMES:
            return ast.copy_location(ast.Constant(_JSON_NAMES[node.id]), node)
        return node


class _NotLiteral(Exception):
    pass


def _literal(node: ast.expr) -> Any:
    """The value of a literal node; names as in :data:`_JSON_NAMES` allowed."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    try:
        return ast.literal_eval(_Names().visit(copy.deepcopy(node)))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise _NotLiteral from exc


def _call_key(call: ast.Call) -> str | None:
    """A comparable form of a call's arguments, builders (``tree_node([...])``) unwrapped."""

    def unwrap(node: ast.expr) -> Any:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _BUILDERS and len(node.args) == 1:
            node = node.args[0]
        return _literal(node)

    try:
        args = [unwrap(a) for a in call.args]
        kwargs = sorted((str(k.arg), unwrap(k.value)) for k in call.keywords)
    except (_NotLiteral, TypeError):
        return None
    return repr((args, kwargs))


def _examples(description: str) -> set[str]:
    """Argument keys of the ``Input: a = 1, b = [2]`` lines of a problem statement."""
    keys: set[str] = set()
    for text in _INPUT_LINE.findall(description):
        try:
            expr = ast.parse(f"f({text})", mode="eval").body
        except SyntaxError:
            continue
        if isinstance(expr, ast.Call) and (key := _call_key(expr)) is not None:
            keys.add(key)
    return keys


def _expr(call: ast.Call) -> str:
    args = "".join(ast.unparse(a) + ", " for a in call.args)
    kwargs = ", ".join(f"{k.arg}={ast.unparse(k.value)}" for k in call.keywords)
    return f"(({args}), dict({kwargs}))"


def _candidate_calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "candidate"]


def _direct_call(test: ast.expr) -> ast.Call | None:
    """The call in ``candidate(...) == expected``, if the assert has that shape."""
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.left, ast.Call)
        and isinstance(test.left.func, ast.Name)
        and test.left.func.id == "candidate"
    ):
        return test.left
    return None


def _literal_call(call: ast.Call) -> tuple[list[Any], dict[str, Any]] | None:
    """A call's arguments when all are JSON-able literals."""
    try:
        args = [_literal(a) for a in call.args]
        kwargs = {str(k.arg): _literal(k.value) for k in call.keywords}
    except _NotLiteral:
        return None
    return (args, kwargs) if wire.is_plain_json(args) and wire.is_plain_json(kwargs) else None


def _case(test: ast.expr, examples: set[str], counts: Counter[str]) -> Case | None:
    direct = _direct_call(test)
    literal = _literal_call(direct) if direct is not None else None
    call: ast.Call | None = direct
    if direct is None:
        calls = _candidate_calls(test)
        call = calls[0] if len(calls) == 1 else None
    elif literal is None:
        nodes = [*direct.args, *(k.value for k in direct.keywords)]
        if any(_candidate_calls(node) for node in nodes):
            call = None
    if call is None or any(k.arg is None for k in call.keywords):
        counts["skipped"] += 1
        return None
    expected: Any = None
    has_expected = False
    if direct is not None and isinstance(test, ast.Compare):
        try:
            expected, has_expected = wire.encode(_literal(test.comparators[0])), True
        except _NotLiteral:
            pass
    if literal is not None:
        args, kwargs = literal
        key = repr((args, sorted(kwargs.items()))) if examples else None
        counts["literal" if has_expected else "literal_args_reference_expected"] += 1
        return Case(
            args=args,
            kwargs=kwargs,
            expected=expected,
            has_expected=has_expected,
            hidden=key not in examples,
        )
    counts["expr" if has_expected else "expr_reference_expected"] += 1
    return Case(
        expr=_expr(call),
        expected=expected,
        has_expected=has_expected,
        hidden=_call_key(call) not in examples,
    )


def _tests(record: dict[str, Any], counts: Counter[str]) -> list[Case]:
    module = ast.parse(str(record["test"]))
    examples = _examples(str(record.get("problem_description") or ""))
    cases: list[Case] = []
    for fn in module.body:
        if not (isinstance(fn, ast.FunctionDef) and fn.name == "check"):
            continue
        for statement in fn.body:
            if not isinstance(statement, ast.Assert):
                counts["skipped"] += 1
                continue
            if (case := _case(statement.test, examples, counts)) is not None:
                cases.append(case)
    return cases


def _problem(record: dict[str, Any], counts: Counter[str]) -> Problem | None:
    tests = _tests(record, counts)
    if not tests:
        counts["problems_skipped"] += 1
        return None
    starter = str(record.get("starter_code") or "")
    return Problem(
        id=str(record["task_id"]),
        prompt=str(record.get("query") or record.get("problem_description") or ""),
        entry_point=str(record["entry_point"]),
        setup=str(record["prompt"]),
        tests=tests,
        reference=str(record["completion"]),
        comparison=comparison_for(str(record["task_id"]), str(record.get("problem_description") or "")),
        output_encoder=NODE_ENCODER if _NODE_TYPES.search(starter) else None,
        # A cap, not a budget: ~100 asserts run in one process and a few references need
        # >10 s for them; candidates get a CPU limit derived from the reference's own time.
        limits=Limits(time_s=120.0, memory_mb=4096),
    )


@lru_cache(maxsize=4)
def _convert(file: Path) -> tuple[tuple[Problem, ...], tuple[tuple[str, int], ...]]:
    """Converted once per file and process: parsing ~23k asserts takes a couple of seconds."""
    counts: Counter[str] = Counter()
    problems = []
    for record in read_jsonl(file):
        if (problem := _problem(record, counts)) is not None:
            problems.append(problem)
    counts["problems"] = len(problems)
    return tuple(problems), tuple(counts.items())


def load_leetcode(path: str | Path | None = None) -> list[Problem]:
    """All LeetCodeDataset test problems. ``path``: the .jsonl.gz file or a data directory."""
    return list(_convert(data_file(LEETCODE_FILE, path))[0])


def leetcode_conversion_counts(path: str | Path | None = None) -> dict[str, int]:
    """How the asserts converted: ``literal``, ``expr``, ``*_reference_expected``, ``skipped``."""
    return dict(_convert(data_file(LEETCODE_FILE, path))[1])


def load_leetcode_responses(path: str | Path | None = None) -> dict[str, str]:
    """task_id -> a real model response (markdown with a fenced code block)."""
    return {str(r["task_id"]): str(r["response"]) for r in read_jsonl(data_file(LEETCODE_FILE, path))}
