"""How a problem becomes sandbox runs: the correctness run, the metered runs, a checker's run.

* the **correctness run** calls the entry point on every test, in one fresh process;
* the **performance runs** are one fresh process per performance input (explicit inputs,
  then one generated input per seed); a problem without them meters its tests instead
  (``metered_inputs: "tests"``);
* a **checker run** judges outputs with the problem's ``check(input, expected, actual)``,
  in a fresh process of its own, given the input it judges.

``digest``: outputs the sandbox may send as a digest (huge plain sequences, long strings)
instead of in full; see :mod:`.compare` for why a digest never changes a verdict.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from .compare import CHECKER_SETUP, CHECKER_WRAPPER, checker_expr
from .problem import CallInput, EntryPoint, Problem
from .sandbox.base import RunSpec

__all__ = ["test_spec", "perf_specs", "checker_spec"]

_CHECK_ENTRY = EntryPoint(function="__rs_check__")


def test_spec(problem: Problem, code: str, tests: Sequence[CallInput], *, measure: bool = False,
              digest: bool | None = None) -> RunSpec:
    """``digest`` None: digests unless a checker judges the outputs (it needs their values)."""
    if digest is None:
        digest = problem.comparison.mode != "checker"
    return RunSpec(
        code=code, entry=problem.entry, setup=problem.setup,
        inputs=[{"args": t.args, "kwargs": t.kwargs, "expr": t.expr} for t in tests],
        output_encoder=problem.output_encoder,
        cpu_s=problem.limits.perf_time_s if measure else problem.limits.time_s,
        memory_mb=problem.limits.memory_mb, measure=measure, digest=digest,
    )


def perf_specs(problem: Problem, code: str, *, measure: bool, digest: bool | None = None) -> list[RunSpec]:
    """One spec per performance input; the tests when the problem has none."""
    perf = problem.performance
    if perf is None or not perf.count:  # no high-contrast inputs: meter the tests (metered_inputs "tests")
        return [test_spec(problem, code, problem.tests, measure=measure, digest=digest)]
    specs = [test_spec(problem, code, [inp], measure=measure, digest=digest) for inp in perf.inputs]
    if perf.generator:
        base = dataclasses.replace(
            test_spec(problem, code, [], measure=measure, digest=digest), generator=perf.generator, scale=perf.scale,
            cpu_s=problem.limits.perf_time_s if measure else max(problem.limits.time_s, 30.0),
        )
        specs += [dataclasses.replace(base, seed=seed) for seed in perf.seeds]
    return specs


def _json_call(args: Any, kwargs: Any) -> str:
    """A trusted expression giving (args, kwargs) from JSON values (evaluated in the checker's run)."""
    return f"(_rs_json.loads({json.dumps(json.dumps(args))}), _rs_json.loads({json.dumps(json.dumps(kwargs))}))"


def checker_spec(problem: Problem, actual: Sequence[Any], expected: Sequence[Any],
                 perf_spec: RunSpec | None = None) -> RunSpec:
    """The run of the problem's checker over (input, expected, actual) triples.

    On the tests (``perf_spec`` None) one call per test; on a performance input, the input
    it was given: explicit, or made again by its generator from the same scale and seed.
    """
    checker = (problem.comparison.checker or "") + CHECKER_WRAPPER
    setup = (problem.setup or "") + CHECKER_SETUP
    if perf_spec is not None and perf_spec.generator:
        generator = perf_spec.generator + (  # the outputs as JSON texts, decoded by the checker's call (compare.py)
            "\n_rs_generate = generate\n"
            "def generate(scale, seed):\n    made = _rs_generate(scale, seed)\n"
            "    return {'args': [{'args': list(made.get('args', [])), 'kwargs': dict(made.get('kwargs', {}))}, "
            f"{json.dumps(json.dumps(expected[0]))}, {json.dumps(json.dumps(actual[0]))}]}}\n"
        )
        return dataclasses.replace(perf_spec, code=checker, entry=_CHECK_ENTRY, setup=setup, generator=generator,
                                   output_encoder=None, measure=False, cpu_s=problem.limits.time_s, digest=False)
    inputs = []
    if perf_spec is not None:
        item = perf_spec.inputs[0]
        calls = [item.get("expr") or _json_call(item.get("args", []), item.get("kwargs", {}))] * len(actual)
    else:
        calls = [case.expr or _json_call(case.args, case.kwargs) for case in problem.tests]
    for call, a, e in zip(calls, actual, expected, strict=True):
        inputs.append({"expr": checker_expr(call, e, a)})
    return RunSpec(code=checker, entry=_CHECK_ENTRY, setup=setup, inputs=inputs,
                   cpu_s=problem.limits.time_s, memory_mb=problem.limits.memory_mb, digest=False)
