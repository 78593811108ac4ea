"""Trusted expected outputs: from the problem, or from its reference run in the sandbox.

Computed once per problem version and kept in memory and on disk (keyed by the version, a
hash of the whole problem). A reference that fails makes the problem *invalid* (so does
its own code failing in the sandbox, or a comparison that does not accept its expected
outputs): that is remembered for the process (not retried for every response) and raised as
:class:`~reward_service.errors.InvalidProblem` naming the problem and the reason; it is not
written to disk, so a fixed environment (a larger limit, say) can try again after a restart.

Outputs normally come back with huge values as digests (see :mod:`.compare`); when a
digest leaves a comparison undecided, :meth:`ExpectedOutputs.full` gives the reference's
outputs in full (computed on demand, cached like the rest).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import InvalidProblem
from .problem import Problem
from .runs import perf_specs, test_spec
from .sandbox.base import RunOutcome, RunSpec, RunStatus, Sandbox

__all__ = ["Expected", "ExpectedOutputs"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: EvalPlus's per-input time rule (``evalplus.evaluate``: ``min_time_limit``, ``gt_time_limit_factor``)
PER_INPUT_FLOOR_S = 1.0
PER_INPUT_FACTOR = 4.0


@dataclass(frozen=True)
class Expected:
    """Trusted outputs of one problem version."""

    tests: list[Any]  # tagged JSON, one per test
    perf: list[Any]  # one per performance input ([] when not checked)
    reference_cpu_s: float = 0.0  # CPU the reference needed for every test (0: not run)
    reference_call_cpu_s: tuple[float, ...] = ()  # the reference's CPU on each test (): not timed)

    def call_limits(self) -> list[float] | None:
        """EvalPlus's per-input rule: each test may take max(1 s, 4x the reference's CPU on it).

        A call past its limit is a timeout at that test (``RunSpec.call_cpu_s``): an
        infinite loop is stopped within about a second of its limit instead of at the
        run's, and a solution that is slow on every test but within the rule on each one
        passes, as it does under EvalPlus. None when the reference's tests were not timed.
        """
        if not self.reference_call_cpu_s or len(self.reference_call_cpu_s) != len(self.tests):
            return None
        return [max(PER_INPUT_FLOOR_S, PER_INPUT_FACTOR * t) for t in self.reference_call_cpu_s]

    def cpu_limit(self, cap: float) -> float:
        """A candidate's CPU limit for the whole run of the tests, never above ``cap``.

        Like EvalPlus, the limit follows the reference, so a problem whose tests take the
        reference 30 s does not fail every candidate: 4x the reference plus 2 s, at least
        10 s, and at least the sum of the per-test limits (:meth:`call_limits`).
        """
        if self.reference_cpu_s <= 0:
            return cap
        whole = max(10.0, 4.0 * self.reference_cpu_s + 2.0, sum(self.call_limits() or ()))
        return min(cap, whole)


def _why(outcome: RunOutcome, what: str, index_offset: int = 0) -> str:
    """The reason a reference run failed, for the problem's author."""
    at = f" (test {outcome.index + index_offset})" if outcome.index is not None and what == "tests" else ""
    if outcome.status is RunStatus.output_limit:
        return (f"its outputs on the {what} exceed the output limit (sandbox.max_output_bytes; "
                "raise REWARD_SANDBOX__MAX_OUTPUT_BYTES or split the tests)")
    if outcome.status is RunStatus.timeout:
        return f"it ran out of time on the {what}{at} ({outcome.limit or 'cpu'} limit)"
    if outcome.status is RunStatus.memory:
        return f"it ran out of memory on the {what}{at} (limits.memory_mb)"
    detail = f"{outcome.exception or ''} {outcome.message}".strip()[:300]
    return f"it failed on the {what}{at}: {outcome.status.value} {detail}".strip()


class ExpectedOutputs:
    """Expected outputs per problem version (thread-safe)."""

    def __init__(self, sandbox: Sandbox, cache_dir: Path) -> None:
        self.sandbox = sandbox
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._values: dict[str, Expected] = {}
        self._full: dict[tuple[str, str], list[Any] | None] = {}
        self._metered: dict[tuple[str, str], bool] = {}
        self._comparable: dict[tuple[str, str], bool] = {}
        self._invalid: dict[str, InvalidProblem] = {}

    def get(self, problem: Problem) -> Expected:
        """Expected outputs of ``problem``; raises InvalidProblem when its reference fails."""
        return self._once(problem, "", lambda: self._load(problem.version) or self._store(problem.version,
                                                                                        self._compute(problem)),
                          self._values)

    def full(self, problem: Problem, which: str) -> list[Any] | None:
        """The reference's outputs in full: ``which`` is ``tests`` or ``perf:<j>``; None when
        they are past the output limit in full (the problem is valid: its digests are judged).
        That was an invalid problem for good, so one small wrong answer compared with a huge
        expected one (Mbpp/255) nulled every later reward of the problem on that worker."""
        return self._once(problem, which, lambda: self._compute_full(problem, which), self._full)

    def check_meterable(self, problem: Problem, j: int) -> None:
        """Raise InvalidProblem when the reference itself cannot be metered on performance
        input ``j`` within the problem's limits (the meter's slowdown and memory included).

        Asked only after a candidate that passed the tests failed a metered run: if the
        trusted reference fails it too, the limits are the problem's, not the candidate's.
        """
        def meter() -> bool:
            if problem.reference is None:
                return True
            spec = perf_specs(problem, problem.reference, measure=True)[j]
            self._run(problem, spec, f"performance input {j} under the meter (limits.perf_time_s, limits.memory_mb)")
            return True

        self._once(problem, f"metered:{j}", meter, self._metered)

    def check_comparison(self, problem: Problem, check: Callable[[], None]) -> None:
        """Run ``check`` once per problem version: it raises InvalidProblem when the problem's
        comparison does not accept its own expected outputs (see ``Judge``), and that is
        remembered like a failing reference."""
        def run() -> bool:
            check()
            return True

        self._once(problem, "comparison", run, self._comparable)

    # ------------------------------------------------------------------ internals
    def _once(self, problem: Problem, part: str, compute: Callable[[], T], memo: dict[Any, T]) -> T:
        version = problem.version
        key: Any = (version, part) if part else version
        with self._lock:
            if version in self._invalid:
                raise self._invalid[version]
            if key in memo:
                return memo[key]
            lock = self._locks.setdefault(f"{version}|{part}", threading.Lock())
        with lock:
            with self._lock:
                if version in self._invalid:
                    raise self._invalid[version]
                if key in memo:
                    return memo[key]
            try:
                value = compute()
            except InvalidProblem as exc:
                with self._lock:
                    self._invalid[version] = exc
                log.warning("%s", exc.message)
                raise
            with self._lock:
                memo[key] = value
        return value

    def _path(self, version: str) -> Path:
        return self.cache_dir / f"{version}.json"

    def _load(self, version: str) -> Expected | None:
        """Expected outputs computed by an earlier process."""
        try:
            data = json.loads(self._path(version).read_text())
            return Expected(tests=list(data["tests"]), perf=list(data["perf"]),
                            reference_cpu_s=float(data.get("reference_cpu_s", 0.0)),
                            reference_call_cpu_s=tuple(float(t) for t in data.get("reference_call_cpu_s", ())))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _store(self, version: str, value: Expected) -> Expected:
        path = self._path(version)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps({"tests": value.tests, "perf": value.perf,
                                       "reference_cpu_s": value.reference_cpu_s,
                                       "reference_call_cpu_s": list(value.reference_call_cpu_s)}))
            tmp.replace(path)
        except OSError as exc:  # a cache: failing to write it costs time, not correctness
            log.warning("cannot cache expected outputs at %s: %s", path, exc)
        return value

    def _run(self, problem: Problem, spec: RunSpec, what: str) -> RunOutcome:
        return self._checked(problem, self.sandbox.run_untrusted(spec), what)

    @staticmethod
    def _checked(problem: Problem, outcome: RunOutcome, what: str) -> RunOutcome:
        if outcome.status is not RunStatus.ok:
            raise InvalidProblem(f"problem {problem.id!r}: the reference is wrong or too costly: {_why(outcome, what)}",
                                 problem_id=problem.id)
        if outcome.leftovers:
            raise InvalidProblem(f"problem {problem.id!r}: the reference left processes running on its {what}",
                                 problem_id=problem.id)
        return outcome

    def _compute(self, problem: Problem) -> Expected:
        tests: list[Any] = [t.expected for t in problem.tests]
        missing = [i for i, t in enumerate(problem.tests) if not t.has_expected]
        cpu = 0.0
        call_cpu: tuple[float, ...] = ()
        if missing and problem.reference is None:
            raise InvalidProblem(f"problem {problem.id!r}: tests {missing[:5]} have no expected output and "
                                 "there is no reference to compute them", problem_id=problem.id)
        if problem.reference is not None:
            # every test, timed one by one, so the reference's times calibrate the candidates' limits
            spec = dataclasses.replace(test_spec(problem, problem.reference, problem.tests),
                                       call_cpu_s=[0.0] * len(problem.tests))
            run = self._run(problem, spec, "tests")
            cpu = run.cpu_s
            if len(run.call_cpu_s) == len(problem.tests):
                call_cpu = tuple(run.call_cpu_s)
            for i in missing:
                tests[i] = run.outputs[i]
        perf: list[Any] = []
        if problem.performance and problem.performance.count and problem.performance.check_outputs and problem.reference:
            for spec in perf_specs(problem, problem.reference, measure=False):
                perf += self._run(problem, spec, "performance inputs").outputs
        return Expected(tests=tests, perf=perf, reference_cpu_s=cpu, reference_call_cpu_s=call_cpu)

    def _compute_full(self, problem: Problem, which: str) -> list[Any] | None:
        if problem.reference is None:  # the tests' own expected outputs are never digests
            return [t.expected for t in problem.tests]
        if which == "tests":
            spec = test_spec(problem, problem.reference, problem.tests, digest=False)
        else:
            spec = perf_specs(problem, problem.reference, measure=False, digest=False)[int(which.split(":", 1)[1])]
        outcome = self.sandbox.run_untrusted(spec)
        if outcome.status is RunStatus.output_limit:
            return None
        run = self._checked(problem, outcome, "tests" if which == "tests" else "performance inputs")
        if which == "tests":
            return [t.expected if t.has_expected else run.outputs[i] for i, t in enumerate(problem.tests)]
        return run.outputs
