"""The problem format: what a coding problem carries so its responses can be scored.

A problem is a pydantic model stored as JSON (one problem) or JSONL (one per line).
Everything in it is *trusted*: reference solutions, generators and checkers come from the
operator, never from a model. Candidate code is the only untrusted input.

Inputs are JSON values. ``args`` are positional arguments, ``kwargs`` keyword arguments.
Where a value cannot be written as JSON (a LeetCode ``TreeNode``, say), a test gives
``expr`` instead: a trusted Python expression evaluated inside the sandbox, after
``setup``, to a ``(args, kwargs)`` pair.

Expected outputs are either given (``expected``) or computed once from ``reference`` and
cached by the scorer under the problem's version. They never enter the sandbox.
"""

from __future__ import annotations

import functools
import hashlib
import json
import keyword
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import InvalidProblem, describe

__all__ = [
    "CallInput",
    "Case",
    "Comparison",
    "Performance",
    "Limits",
    "MeteredInputs",
    "Problem",
    "EntryPoint",
    "load_problems",
    "dump_problems",
]

_STRICT = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants")
"""Non-finite floats (an input of inf, an expected NaN) are written as JSON's common extension
(`Infinity`, `NaN`, as Python's json module reads and writes them), not as null: a problem
stored in Redis and read back must be the problem it was (an expected inf read back as null
made every right answer wrong in queue mode), and two problems that differ only there must
have different versions."""

#: Which inputs the efficiency term is counted on: the high-contrast performance inputs,
#: the correctness tests (the paper's low-contrast "normal inputs", when a problem has no
#: performance inputs), or none (passing code gets 1.0).
MeteredInputs = Literal["performance", "tests", "none"]


class CallInput(BaseModel):  # type: ignore[no-redef,unused-ignore]  # pydantic plugin: field "kwargs"
    """One call of the entry point."""

    model_config = _STRICT

    args: list[Any] = Field(default_factory=list, description="Positional arguments (JSON).")
    kwargs: dict[str, Any] = Field(  # type: ignore[no-redef,unused-ignore]
        default_factory=dict, description="Keyword arguments (JSON)."
    )
    expr: str | None = Field(
        default=None,
        description="Trusted Python expression, evaluated after `setup`, giving (args, kwargs); "
        "used instead of args/kwargs for values JSON cannot hold.",
    )


class Case(CallInput):  # type: ignore[no-redef,unused-ignore]
    """A correctness test: an input, and its expected output if known."""

    expected: Any = Field(
        default=None, description="Expected output (tagged JSON, see sandbox.wire)."
    )
    has_expected: bool = Field(
        default=False, description="True when `expected` is given; else the reference computes it."
    )
    hidden: bool = Field(default=True, description="False for the tests shown in the prompt.")

    @model_validator(mode="before")
    @classmethod
    def _expected_given(cls, data: Any) -> Any:
        """An ``expected`` given without ``has_expected`` is given: it was silently replaced
        by the reference's output (or, without a reference, the problem was refused for
        having no expected outputs)."""
        if isinstance(data, dict) and "expected" in data and "has_expected" not in data:
            return {**data, "has_expected": True}
        return data


class Comparison(BaseModel):
    """How an output is compared with the expected one (always on the trusted side)."""

    model_config = _STRICT

    mode: Literal["exact", "float", "checker"] = "exact"
    atol: float = Field(default=0.0, ge=0.0, description="Absolute tolerance for floats (mode float).")
    rtol: float = Field(default=0.0, ge=0.0, description="Relative tolerance for floats (mode float).")
    checker: str | None = Field(
        default=None,
        description="Trusted Python source defining `check(inp, expected, actual) -> bool` (mode checker).",
    )


class Performance(BaseModel):
    """High-contrast inputs: large inputs on which instruction counts separate complexity classes."""

    model_config = _STRICT

    inputs: list[CallInput] = Field(default_factory=list, description="Explicit performance inputs.")
    generator: str | None = Field(
        default=None,
        description="Trusted Python source defining `generate(scale: int, seed: int)` that returns "
        "a dict {'args': [...], 'kwargs': {...}} for one input. Runs in the sandbox, not counted.",
    )
    scale: int = Field(default=1, ge=1, description="Size parameter passed to the generator.")
    seeds: list[int] = Field(default_factory=lambda: [0], description="One generated input per seed.")
    check_outputs: bool = Field(
        default=True,
        description="Compare outputs on performance inputs with the reference's (needs `reference`). "
        "Off, they are only held to an unmetered run of the same input (one more run each), so a "
        "candidate that tells its metered run apart cannot skip its work there; but a wrong answer "
        "on those inputs is not caught. Keep it on for training.",
    )

    @property
    def count(self) -> int:
        return len(self.inputs) + (len(self.seeds) if self.generator else 0)


class Limits(BaseModel):
    model_config = _STRICT

    time_s: float = Field(default=10.0, gt=0, le=600, description="CPU seconds per correctness run.")
    perf_time_s: float = Field(
        default=120.0, gt=0, le=1800, description="CPU seconds per metered run (software meter is ~50x slower)."
    )
    memory_mb: int = Field(default=1024, ge=32, le=65536, description="Address-space limit per run.")


def _is_name(text: str) -> bool:
    """A name Python code can define: an identifier that is not a keyword (``def``, ``None``)."""
    return text.isidentifier() and not keyword.iskeyword(text)


class EntryPoint(BaseModel):
    """Parsed entry point: `name` (a function) or `Solution().name` (a method)."""

    model_config = _STRICT

    function: str
    class_name: str | None = None

    @classmethod
    def parse(cls, text: str) -> EntryPoint:
        text = text.strip()
        if "." in text:
            owner, _, method = text.partition(".")
            owner = owner.removesuffix("()")
            if not _is_name(owner) or not _is_name(method):
                raise InvalidProblem(f"bad entry point {text!r}")
            return cls(function=method, class_name=owner)
        if not _is_name(text):
            raise InvalidProblem(f"bad entry point {text!r}")
        return cls(function=text)

    @property
    def defined_name(self) -> str:
        """The module-level name the candidate must define."""
        return self.class_name or self.function


class Problem(BaseModel):
    model_config = _STRICT

    id: str = Field(min_length=1, max_length=200, examples=["Mbpp/2"])
    prompt: str = Field(default="", description="The problem statement shown to the model.")
    entry_point: str = Field(
        description="A module-level function name, or `Solution().method` (LeetCode style).",
        examples=["similar_elements", "Solution().twoSum"],
    )
    setup: str = Field(
        default="",
        description="Trusted code run before the candidate's module (imports, helper classes).",
    )
    tests: list[Case] = Field(default_factory=list, description="Correctness tests.")
    reference: str | None = Field(
        default=None, description="Trusted reference solution; computes missing expected outputs."
    )
    comparison: Comparison = Field(default_factory=Comparison)
    performance: Performance | None = None
    limits: Limits = Field(default_factory=Limits)
    output_encoder: str | None = Field(
        default=None,
        description="Trusted source defining `encode(value)` that turns an output JSON cannot hold "
        "(a linked list, a tree) into a JSON value, applied in the sandbox before encoding.",
    )
    efficiency: Literal["auto", "none"] = Field(
        default="auto",
        description="auto: count instructions on the performance inputs, else on the tests; "
        "none: no efficiency term (passing code gets 1.0).",
    )

    @model_validator(mode="after")
    def _check(self) -> Problem:
        EntryPoint.parse(self.entry_point)
        if not self.tests:
            raise InvalidProblem(f"problem {self.id!r} has no tests")
        if any(not t.has_expected for t in self.tests) and self.reference is None:
            raise InvalidProblem(f"problem {self.id!r}: tests without expected outputs need a reference")
        if self.comparison.mode == "checker" and not self.comparison.checker:
            raise InvalidProblem(f"problem {self.id!r}: comparison mode checker needs `checker`")
        if self.performance and self.performance.check_outputs and self.reference is None:
            raise InvalidProblem(f"problem {self.id!r}: checked performance outputs need a reference")
        return self

    @property
    def entry(self) -> EntryPoint:
        return EntryPoint.parse(self.entry_point)

    def metered_inputs(self, efficiency: Literal["auto", "none"] = "auto") -> MeteredInputs:
        """The inputs whose instruction counts make the efficiency term (``efficiency``: the request's say)."""
        if self.efficiency == "none" or efficiency == "none":
            return "none"
        return "performance" if self.performance and self.performance.count else "tests"

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Problem:
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("version", None)  # the cached content hash belongs to the original
        return copy

    @functools.cached_property
    def version(self) -> str:
        """Content hash: any change to the problem gives a new version (and new cache keys).
        Computed once per object (the model is frozen; :meth:`model_copy` drops it): it is
        asked for on every request."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_problems(path: str | Path) -> list[Problem]:
    """Read problems from a .json file (one problem or a list) or a .jsonl file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidProblem(f"{p}: cannot read: {exc}") from exc
    if p.suffix == ".jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    out.append(Problem.model_validate_json(line))
                except ValueError as exc:  # pydantic's ValidationError included
                    raise InvalidProblem(f"{p}:{n}: {describe(exc)}") from exc
        return out
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
        return [Problem.model_validate(item) for item in items]
    except (ValueError, TypeError) as exc:
        raise InvalidProblem(f"{p}: {describe(exc)}") from exc



def dump_problems(problems: Iterable[Problem], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for problem in problems:
            fh.write(problem.model_dump_json(exclude_defaults=True) + "\n")


def iter_inputs(problem: Problem) -> Iterator[CallInput]:
    yield from problem.tests
