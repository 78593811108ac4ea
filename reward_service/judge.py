"""Judging one code against one problem: correctness, then (for passing code) instructions.

    code --correctness run (one fresh process, every test)--> wrong_answer | runtime_error | ...
         --metered runs (one fresh process per performance input)--> N (aggregated)

Outputs are compared on the trusted side (:mod:`.compare`), or by the problem's checker in
a sandboxed run of its own. A huge output may come back as a digest: equal digests pass,
and anything a digest leaves undecided is judged again in full (the candidate's run and the
reference's outputs without digests), so a digest only ever saves time.

Never raises for the candidate's faults. An infrastructure failure is ``sandbox_error``
(reward null); a problem whose reference or own code fails, or whose comparison does not
accept its own expected outputs, is ``invalid_problem`` (reward null).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from .compare import decide, has_digest
from .errors import InfrastructureError, InvalidProblem, ProblemCodeError, SandboxError
from .expected import Expected, ExpectedOutputs
from .extract import defines_entry, parse_code
from .problem import Problem
from .results import Aggregate, Diagnostic, Measurement
from .reward import aggregate_counts
from .runs import checker_spec, perf_specs, test_spec
from .sandbox import wire
from .sandbox.base import RunOutcome, RunSpec, RunStatus, Sandbox
from .sandbox.protocol import MAX_FRAME
from .verdict import Verdict

__all__ = ["Judge", "failure", "CHECKER_OUTPUT_LIMIT"]

#: the most JSON a candidate's outputs may take to be judged by a checker (see Judge._check)
CHECKER_OUTPUT_LIMIT = MAX_FRAME // 8


def failure(outcome: RunOutcome, what: str) -> Measurement:
    """The verdict of a run that did not produce its outputs."""
    d = Diagnostic(exception=outcome.exception)
    if outcome.index is not None:
        d.test_index = outcome.index
    if outcome.status is RunStatus.timeout:
        d.limit = "wall" if outcome.limit == "wall" else "cpu"
        d.message = f"time limit exceeded ({d.limit}) in the {what}"
        return Measurement(verdict=Verdict.timeout, diagnostic=d)
    if outcome.status is RunStatus.memory:
        d.limit, d.message = "memory", f"memory limit exceeded in the {what}"
        return Measurement(verdict=Verdict.memory_exceeded, diagnostic=d)
    if outcome.status is RunStatus.output_limit:
        d.limit, d.message = "output", f"output limit exceeded in the {what}"
        return Measurement(verdict=Verdict.runtime_error, diagnostic=d)
    if outcome.status is RunStatus.error:
        d.message = f"{outcome.exception}: {outcome.message}"[:300] + f" (in the {what})"
        return Measurement(verdict=Verdict.runtime_error, diagnostic=d)
    d.message = f"{outcome.message or 'the run crashed'} (in the {what})"
    return Measurement(verdict=Verdict.runtime_error, diagnostic=d)


def _perf_failure(outcome: RunOutcome, j: int, what: str) -> Measurement:
    """:func:`failure` of a run on performance input ``j`` (no test index: the run's own)."""
    failed = failure(outcome, what)
    failed.diagnostic.perf_input_index, failed.diagnostic.test_index = j, None
    return failed


def _small(output: Any) -> bool:
    """Under 20,000 values and 65,536 characters as JSON (what is never sent as a digest)."""
    text = json.dumps(output)
    return len(text) <= wire.DIGEST_STR_OVER and text.count(",") + text.count("[") < wire.DIGEST_OVER


def _digests_to(full: Any, digest: Any) -> bool:
    """True when the full output (tagged JSON) has exactly the given digest.

    The output is the candidate's: decoded without hashing what it holds (a set of
    integers that all hash alike took this process quadratic time to rebuild).
    """
    try:
        return bool(json.loads(wire.dumps_output(wire.decode_safe(full))) == digest)
    except (ValueError, TypeError, RecursionError):
        return False


def _holds_nan(node: Any) -> bool:
    """True when an output (tagged JSON) holds a float NaN anywhere."""
    if isinstance(node, list):
        return any(_holds_nan(x) for x in node)
    if isinstance(node, dict):
        if node.get("__float__") == "nan":
            return True
        return any(_holds_nan(x) for x in node.values())
    return False


def _leftovers(**where: Any) -> Measurement:
    return Measurement(verdict=Verdict.runtime_error,
                       diagnostic=Diagnostic(message="left processes running", limit="processes", **where))


class Judge:
    """Judges codes in ``sandbox`` against expected outputs from ``expected`` (thread-safe)."""

    def __init__(self, sandbox: Sandbox, expected: ExpectedOutputs) -> None:
        self.sandbox = sandbox
        self.expected = expected

    def evaluate(self, problem: Problem, code: str, *, measure: bool = True, aggregate: Aggregate = "sum") -> Measurement:
        try:
            return self._evaluate(problem, code, measure, aggregate)
        except InvalidProblem as exc:
            return Measurement(verdict=Verdict.invalid_problem, diagnostic=Diagnostic(message=exc.message[:2000]))
        except InfrastructureError as exc:
            return Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(message=exc.message[:500]))

    def _evaluate(self, problem: Problem, code: str, measure: bool, aggregate: Aggregate) -> Measurement:
        tree = parse_code(code)
        if tree is None:
            return Measurement(verdict=Verdict.no_entity, diagnostic=Diagnostic(message="code does not parse"))
        if not defines_entry(tree, problem.entry):
            return Measurement(verdict=Verdict.no_entity,
                               diagnostic=Diagnostic(message=f"code does not define {problem.entry.defined_name!r}"))
        expected = self.expected.get(problem)
        self.expected.check_comparison(problem, lambda: self._comparable(problem, expected))
        wrong = self._correctness(problem, code, expected)
        if wrong is not None:
            return wrong
        if not measure or problem.efficiency == "none":
            return Measurement(verdict=Verdict.passed, meter=None)
        counts: list[int] = []
        for j, spec in enumerate(perf_specs(problem, code, measure=True)):
            run = self.sandbox.run_untrusted(spec)
            if run.status is not RunStatus.ok:
                if run.status is not RunStatus.error:  # a limit or a crash: does the reference fit under the meter?
                    self.expected.check_meterable(problem, j)
                return _perf_failure(run, j, "performance inputs")
            if run.leftovers:
                return _leftovers(perf_input_index=j)
            if problem.performance and problem.performance.count and not expected.perf:
                # no reference outputs (the problem's check_outputs is off): the metered run must
                # give what an unmetered run of the same input gives, so a candidate that tells
                # the meter apart cannot skip its work there and be paid for the count
                differs = self._unmetered_agrees(spec, run, j)
                if differs is not None:
                    return differs
            elif problem.performance and problem.performance.count:
                bad = self._mismatch(problem, run.outputs, [expected.perf[j]], spec, f"perf:{j}")
                if bad is not None:
                    return Measurement(verdict=Verdict.wrong_answer, diagnostic=Diagnostic(
                        message=f"wrong answer on performance input {j} (hidden){bad[1]}", perf_input_index=j))
            else:  # the tests were metered: their outputs are judged again, as the metered run gave them
                bad = self._mismatch(problem, run.outputs, expected.tests, spec, "tests")
                if bad is not None:
                    i, why = bad
                    where = "hidden" if problem.tests[i].hidden else "visible"
                    return Measurement(verdict=Verdict.wrong_answer, diagnostic=Diagnostic(
                        message=f"wrong answer on test {i} ({where}) in the metered run{why}", test_index=i))
            if run.instructions is None:
                raise SandboxError(f"meter failed: {run.meter_error or 'no count'}")
            counts.append(run.instructions)
        return Measurement(verdict=Verdict.passed, instructions=aggregate_counts(counts, aggregate),
                           per_input=counts, meter=self.sandbox.meter_name)

    def _correctness(self, problem: Problem, code: str, expected: Expected) -> Measurement | None:
        """None when the code passes every test, else its failing Measurement."""
        spec = test_spec(problem, code, problem.tests)
        spec = dataclasses.replace(spec, cpu_s=expected.cpu_limit(problem.limits.time_s),
                                   call_cpu_s=expected.call_limits())
        outcome = self.sandbox.run_untrusted(spec)
        if outcome.status is not RunStatus.ok:
            return failure(outcome, "tests")
        if outcome.leftovers:
            return _leftovers()
        bad = self._mismatch(problem, outcome.outputs, expected.tests, spec, "tests")
        if bad is None:
            return None
        i, why = bad
        where = "hidden" if problem.tests[i].hidden else "visible"
        return Measurement(verdict=Verdict.wrong_answer, diagnostic=Diagnostic(
            message=f"wrong answer on test {i} ({where}){why}", test_index=i))

    # ------------------------------------------------------------------ comparison
    def _comparable(self, problem: Problem, expected: Expected) -> None:
        """Raise InvalidProblem unless the problem's comparison accepts each expected output as
        equal to itself (asked once per problem version, before any candidate is judged).

        A comparison that cannot accept its own expected output fails every candidate, the
        correct ones too: a checker that raises or answers False there, or NaN under
        ``exact`` (NaN never equals itself). That is the problem's fault, not a 0 for each
        response. A checker that fails only on a candidate's output stays the candidate's
        wrong answer (:meth:`_check`).
        """
        if problem.comparison.mode == "checker":
            self._checker_accepts(problem, expected.tests, None, "test")
            if expected.perf:  # one per performance input, in perf_specs' order (ExpectedOutputs._compute)
                specs = perf_specs(problem, problem.reference or "", measure=False)
                for j, (e, spec) in enumerate(zip(expected.perf, specs, strict=True)):
                    self._checker_accepts(problem, [e], spec, f"performance input {j}")
            return
        named = [(f"test {i}", e) for i, e in enumerate(expected.tests)]
        named += [(f"performance input {j}", e) for j, e in enumerate(expected.perf)]
        for where, e in named:
            if decide(e, e, problem.comparison) is not True:
                hint = " (it holds NaN, which never equals itself under `exact`: use comparison mode `float`)" \
                    if problem.comparison.mode == "exact" and _holds_nan(e) else ""
                raise InvalidProblem(f"problem {problem.id!r}: its comparison ({problem.comparison.mode}) does not "
                                     f"accept the expected output of {where} as equal to itself{hint}",
                                     problem_id=problem.id)

    def _checker_accepts(self, problem: Problem, outputs: list[Any], perf_spec: RunSpec | None, where: str) -> None:
        """Raise InvalidProblem unless the checker accepts every one of ``outputs`` judged against
        itself (``where``: "test", numbered per output, or the one performance input)."""
        def at(i: int | None) -> str:
            if perf_spec is not None:
                return where
            return f"{where} {i}" if i is not None else "the tests"

        outcome = self.sandbox.run_untrusted(checker_spec(problem, outputs, outputs, perf_spec))
        if outcome.status is not RunStatus.ok:
            detail = f"{outcome.exception or outcome.status.value}: {outcome.message[:200]}".rstrip(": ")
            raise InvalidProblem(f"problem {problem.id!r}: its checker fails on the expected output of "
                                 f"{at(outcome.index)} judged against itself ({detail})", problem_id=problem.id)
        for i, verdict in enumerate(outcome.outputs):
            if verdict is not True:
                raise InvalidProblem(f"problem {problem.id!r}: its checker rejects the expected output of {at(i)} "
                                     "judged against itself", problem_id=problem.id)

    def _unmetered_agrees(self, spec: RunSpec, metered: RunOutcome, j: int) -> Measurement | None:
        """None when an unmetered run of performance input ``j`` gives the metered run's output,
        else the candidate's verdict (the outputs compare as the wire encodes them: digests
        past the wire's sizes, canonical sets and dicts)."""
        plain = self.sandbox.run_untrusted(dataclasses.replace(spec, measure=False))
        if plain.status is not RunStatus.ok:
            return _perf_failure(plain, j, "performance inputs (unmetered)")
        if plain.leftovers:
            return _leftovers(perf_input_index=j)
        if plain.outputs != metered.outputs:
            return Measurement(verdict=Verdict.wrong_answer, diagnostic=Diagnostic(
                message=f"wrong answer on performance input {j} (hidden): the metered run's output differs from an "
                        f"unmetered run's", perf_input_index=j))
        return None

    def _mismatch(self, problem: Problem, actual: Sequence[Any], expected: Sequence[Any], spec: RunSpec,
                  which: str) -> tuple[int, str] | None:
        """(index, why) of the first output that does not match, or None.

        ``exact`` and ``float`` compare here; where a digest leaves it undecided, the run
        is made again without digests and compared with the reference's full outputs. A
        ``checker`` runs in the sandbox and gets the input it judges.
        """
        if problem.comparison.mode == "checker":
            return self._check(problem, actual, expected, None if which == "tests" else spec)
        undecided = []
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            verdict = decide(a, e, problem.comparison)
            if verdict is False:
                return i, ""
            if verdict is None:
                undecided.append(i)
        if not undecided:
            return None
        again: Sequence[Any] = actual
        if any(has_digest(actual[i]) for i in undecided):  # the candidate's outputs in full
            # Without the tests' own time limits, within the problem's: its outputs in full cost
            # several times their digests to encode (1.2M floats: 0.63 s against 0.10 s), and
            # the limits, the reference's time with digests times 4, timed a right answer out.
            # The first run kept to them; the rerun must give the same outputs, nothing more.
            rerun = self.sandbox.run_untrusted(dataclasses.replace(
                spec, measure=False, digest=False, call_cpu_s=None, cpu_s=max(spec.cpu_s, problem.limits.time_s)))
            if rerun.status is not RunStatus.ok or rerun.leftovers:  # ran before: this run is the candidate's
                return undecided[0], f": the full-output rerun failed ({rerun.status.value})"
            again = rerun.outputs
        full = self.expected.full(problem, which)
        if full is None:
            # The reference's outputs are past the output limit in full (its digests of
            # different sizes have decided already: ``compare.decide``). A small output (under
            # 20,000 values and 65,536 characters of JSON) cannot equal one that size (equal
            # values have as many values, the same strings, numbers of a bounded length): it
            # is wrong. Anything else cannot be judged here: the infrastructure's limit, not
            # the candidate's fault (a null, never the problem's).
            for i in undecided:
                if not has_digest(actual[i]) and _small(actual[i]):
                    return i, ""
            raise SandboxError(f"problem {problem.id!r}: output {undecided[0]} on the {which} cannot be judged: the "
                               "reference's outputs in full are past the output limit (sandbox.max_output_bytes)")
        for i in undecided:
            # The output judged is the first run's (whose count is kept). Where it came as a
            # digest, the rerun stands for it and must have given the same output; where it
            # came in full (only the reference's was a digest) it is judged as it is, never
            # the rerun's: a run that can tell the two apart (the metered one can) would
            # otherwise be judged on an output it did not give.
            mine = again[i] if has_digest(actual[i]) else actual[i]
            if has_digest(actual[i]) and not _digests_to(mine, actual[i]):
                return i, ": the output differs between runs"
            if decide(mine, full[i], problem.comparison) is not True:
                return i, ""
        return None

    def _check(self, problem: Problem, actual: Sequence[Any], expected: Sequence[Any],
               perf_spec: RunSpec | None) -> tuple[int, str] | None:
        # The outputs travel to the checker's run as JSON text inside its request's source,
        # escaped twice more on the way (a quote becomes four characters, then eight): past
        # this, the request is more than a zygote reads, and the candidate's output would be
        # a SandboxError (reward null) instead of its own failure.
        size = 0
        for i, a in enumerate(actual):
            size += len(json.dumps(a))
            if size > CHECKER_OUTPUT_LIMIT:
                return i, ": the output is too large for the checker"
        try:
            outcome = self.sandbox.run_untrusted(checker_spec(problem, actual, expected, perf_spec))
        except ProblemCodeError as exc:
            # The checker's inputs carry this candidate's outputs (decoded in the run's input
            # expressions, or its generator's wrapper): the same run with the expected outputs
            # in their place succeeded (_comparable), so what differs is the candidate's.
            if exc.details.get("part") not in ("input", "inputs", "generator"):
                raise
            return 0, f": the checker could not read the output ({exc.message[-100:]})"
        if outcome.status is not RunStatus.ok:  # the checker failed on this output: it is not accepted
            return 0, f": the checker failed ({outcome.exception or outcome.status.value}: {outcome.message[:100]})"
        for i, verdict in enumerate(outcome.outputs):
            if verdict is not True:
                return i, ""
        return None
