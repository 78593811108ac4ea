"""MBPP+ (EvalPlus) as problems.

Each task becomes a :class:`~reward_service.problem.Problem` whose tests are the task's
``base_input`` then ``plus_input``, without expected outputs: the canonical solution
computes them at scoring time, as EvalPlus does.

JSON cannot hold every input: some tasks take tuples, sets or complex numbers that the
data set stores as lists or strings. EvalPlus restores those types task by task
(``mbpp_deserialize_inputs``); the same rules are applied here, and an input that is not
plain JSON afterwards becomes a trusted ``expr`` (its Python source), so that a candidate
sees exactly the values EvalPlus gives it.

EvalPlus judges three regex tasks only on whether the output is ``None``; their problems
carry an output encoder that reduces any output to ``value is not None``. Its other rules
for MBPP+ are kept as checkers (run in the sandbox like any checker): eight tasks compare
as sets (order does not count), and four have special oracles — Mbpp/164 accepts any
output, Mbpp/295 also accepts 0, Mbpp/558 also accepts the digit distance of the
zero-padded numbers, Mbpp/581 also accepts the surface area with ``height`` read as the
perpendicular height (rounded), within the tolerance.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..problem import Case, Comparison, Limits, Problem
from ..sandbox import wire
from .paths import data_file, read_jsonl

__all__ = ["MBPPPLUS_FILE", "load_mbppplus", "mbppplus_inputs", "to_source"]

MBPPPLUS_FILE = "mbppplus/MbppPlus-v0.2.0.jsonl.gz"

# EvalPlus's MBPP_OUTPUT_NOT_NONE_TASKS: the reference returns a re.Match or None.
_NOT_NONE_ENTRY_POINTS = frozenset({"check_str", "text_match_three", "text_starta_endb"})
# A bool answer stands for itself (EvalPlus: ``out == exp`` when ``out`` is a bool), anything
# else for whether it is not None.
_NOT_NONE_ENCODER = "def encode(value):\n    return value if isinstance(value, bool) else value is not None\n"
# EvalPlus's MBPP_OUTPUT_SET_EQ_TASKS: the output is a collection whose order does not count.
_SET_EQ_ENTRY_POINTS = frozenset({"similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly",
                                  "larg_nnum", "intersection_array", "find_dissimilar", "Diff"})
_SET_EQ_CHECKER = (
    "def check(inp, expected, actual):\n    try:\n        return set(expected) == set(actual)\n"
    "    except TypeError:\n        return expected == actual\n"
)

# EvalPlus's special oracles for MBPP+ (evalplus/eval/__init__.py), as checkers: the output
# equals the reference's under the float rule, or the task's alternative answer.
_SAME = (
    "def _rs_same(a, e):\n"
    "    if a == e:\n        return True\n"
    "    try:\n        return abs(a - e) <= 1e-6 + 1e-7 * abs(e)\n"
    "    except TypeError:\n        return False\n"
)
_SPECIAL_CHECKERS = {
    "are_equivalent": "def check(inp, expected, actual):\n    return True\n",  # Mbpp/164
    "sum_div": _SAME + "def check(inp, expected, actual):\n    return _rs_same(actual, expected) or actual == 0\n",
    "digit_distance_nums": _SAME + (  # Mbpp/558: both numbers padded to the same length
        "def _rs_alt(a, b):\n    x, y = str(a), str(b)\n    n = max(len(x), len(y))\n"
        "    return sum(abs(int(p) - int(q)) for p, q in zip(x.zfill(n), y.zfill(n)))\n"
        "def check(inp, expected, actual):\n"
        "    return _rs_same(actual, expected) or actual == _rs_alt(*inp['args'])\n"
    ),
    "surface_Area": _SAME + (  # Mbpp/581: the height is the pyramid's perpendicular height
        "import math as _rs_math\n"
        "def _rs_alt(edge, height):\n"
        "    slant = _rs_math.sqrt((edge / 2) ** 2 + height ** 2)\n"
        "    return round(edge ** 2 + 4 * (edge * slant) / 2)  # in the order EvalPlus computes it\n"
        "def check(inp, expected, actual):\n"
        "    if _rs_same(actual, expected):\n        return True\n"
        "    try:\n        return abs(actual - _rs_alt(*inp['args'])) <= 1e-6\n"
        "    except TypeError:\n        return False\n"
    ),
}

Inputs = Sequence[Any]


def _all_tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_all_tuples(v) for v in value)
    return value


def _rule_for(number: int) -> Callable[[list[Any]], Inputs] | None:
    """EvalPlus's per-task type restoration (evalplus/data/mbpp.py), one input at a time."""
    if number in {2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560,
                  579, 596, 616, 630, 726, 740, 744, 809}:  # fmt: skip
        return lambda inp: [tuple(a) for a in inp]
    if number in {63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780}:
        return lambda inp: [[tuple(x) for x in a] for a in inp]
    if number in {75, 413, 444, 753}:
        return lambda inp: [[tuple(x) for x in inp[0]], inp[1]]
    if number in {106, 750}:
        return lambda inp: [inp[0], tuple(inp[1])]
    if number == 115:
        # EvalPlus's quirk kept on purpose: an empty list becomes an empty dict.
        return lambda inp: [[set(x) if isinstance(x, list) and x else {} for x in inp[0]]]
    if number == 124:
        return lambda inp: (float(inp[0]), complex(inp[1]))
    if number in {250, 405, 446, 617, 720, 763, 808}:
        return lambda inp: [tuple(inp[0]), inp[1]]
    if number in {259, 401, 445}:
        return lambda inp: [tuple(tuple(x) for x in a) for a in inp]
    if number == 278:
        return lambda inp: [tuple(tuple(x) if isinstance(x, list) else x for x in inp[0])]
    if number == 307:
        return lambda inp: [tuple(inp[0]), inp[1], inp[2]]
    if number == 722:
        return lambda inp: [{k: tuple(v) for k, v in inp[0].items()}, *inp[1:]]
    if number == 252:
        return lambda inp: [complex(inp[0])]
    if number in {580, 615, 791}:
        return _all_tuples
    return None


def mbppplus_inputs(record: dict[str, Any]) -> tuple[list[Inputs], list[Inputs]]:
    """A task's base and plus inputs as Python argument sequences, types restored."""
    rule = _rule_for(int(str(record["task_id"]).rsplit("/", 1)[-1]))

    def restore(inputs: Any) -> list[Inputs]:
        items: list[Inputs] = list(inputs) if isinstance(inputs, list) else []
        return [rule(list(inp)) for inp in items] if rule else items

    return restore(record["base_input"]), restore(record["plus_input"])


def to_source(value: Any) -> str:
    """Python source that evaluates (with builtins only) to ``value``; unlike repr,
    it also covers non-finite floats and complex numbers."""
    t = type(value)
    if value is None or t in (bool, int, str, bytes):
        return repr(value)
    if t is float:
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if t is complex:
        return f"complex({to_source(value.real)}, {to_source(value.imag)})"
    if t is tuple:
        items = [to_source(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if t is list:
        return "[" + ", ".join(to_source(v) for v in value) + "]"
    if t is set or t is frozenset:
        body = "{" + ", ".join(to_source(v) for v in value) + "}" if value else ""
        return f"{t.__name__}({body})"
    if t is dict:
        return "{" + ", ".join(f"{to_source(k)}: {to_source(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no source form for {t.__name__}")


def _case(inputs: Inputs, hidden: bool) -> Case:
    args = list(inputs)
    if wire.is_plain_json(args):
        return Case(args=args, hidden=hidden)
    return Case(expr=f"({to_source(tuple(args))}, {{}})", hidden=hidden)


def _plain(value: Any) -> Any:
    """Tuples as lists, recursively: how a prompt's literal and a stored input compare."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _prompt_calls(prompt: str, entry_point: str) -> list[list[Any]]:
    """Literal arguments of every call of the entry point in the prompt's asserts."""
    calls: list[list[Any]] = []
    for line in prompt.splitlines():
        if not line.lstrip().startswith("assert"):
            continue
        try:
            tree = ast.parse(line.strip())
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name != entry_point or node.keywords:
                continue
            try:
                calls.append([ast.literal_eval(a) for a in node.args])
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
    return calls


def _visible(prompt: str, entry_point: str, base: list[Inputs]) -> set[int]:
    """Indices of the base inputs shown in the prompt (at least the first one)."""
    shown = [_plain(call) for call in _prompt_calls(prompt, entry_point)]
    visible = {i for i, inp in enumerate(base) if _plain(list(inp)) in shown}
    return visible or ({0} if base else set())


def _problem(record: dict[str, Any]) -> Problem:
    entry_point = str(record["entry_point"])
    prompt = str(record["prompt"])
    base, plus = mbppplus_inputs(record)
    visible = _visible(prompt, entry_point, base)
    tests = [_case(inp, i not in visible) for i, inp in enumerate(base)]
    tests += [_case(inp, True) for inp in plus]
    atol = float(record.get("atol") or 0.0)
    # EvalPlus compares floats with atol 1e-6 when the task gives none; mode "float" is
    # exact for everything that is not a float, so it is safe for every task.
    comparison = Comparison(mode="float", atol=atol or 1e-6)
    if entry_point in _SET_EQ_ENTRY_POINTS:
        comparison = Comparison(mode="checker", checker=_SET_EQ_CHECKER)
    elif entry_point in _SPECIAL_CHECKERS:
        comparison = Comparison(mode="checker", checker=_SPECIAL_CHECKERS[entry_point])
    return Problem(
        id=str(record["task_id"]),
        prompt=prompt,
        entry_point=entry_point,
        tests=tests,
        reference=str(record["canonical_solution"]),
        comparison=comparison,
        output_encoder=_NOT_NONE_ENCODER if entry_point in _NOT_NONE_ENTRY_POINTS else None,
        # Caps, not budgets: a few MBPP+ suites take the reference ~30 s (Mbpp/599) or 1.5 GB
        # (Mbpp/255); candidates get a CPU limit derived from the reference's own time.
        limits=Limits(time_s=120.0, memory_mb=4096),
    )


@lru_cache(maxsize=4)
def _load(file: Path) -> tuple[Problem, ...]:
    return tuple(_problem(record) for record in read_jsonl(file))


def load_mbppplus(path: str | Path | None = None) -> list[Problem]:
    """All MBPP+ tasks as problems. ``path``: the .jsonl.gz file or a data directory.

    Converted once per file and process; problems are immutable, so sharing them is safe.
    """
    return list(_load(data_file(MBPPPLUS_FILE, path)))
