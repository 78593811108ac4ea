"""The scoring core: from a problem and a model's responses to the paper's rewards.

    response --triage--> format_error | no_entity | code
    code --correctness run (one fresh process, every test)--> wrong_answer | runtime_error | ...
         --metered runs (one fresh process per performance input)--> N (aggregated)
    group --reward.reward_for--> rewards

Expected outputs come from the problem or from its trusted reference (run once per
problem version, in the sandbox too, and cached). Identical code (same normalised AST)
is measured once per problem version. An infrastructure failure gives ``sandbox_error``
(reward null), never a score.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compare import CHECKER_SETUP, CHECKER_WRAPPER, checker_expr, outputs_match
from .errors import InfrastructureError, InvalidProblem, MeterUnavailable, SandboxError
from .extract import Extraction, code_digest, defines_entry, parse_code, triage
from .meter import CallgrindMeter, HardwareMeter, Meter, QemuMeter, build_extension, build_plugin, probe_qemu
from .meter.identity import resolve_backend
from .problem import EntryPoint, Problem
from .results import Aggregate, Diagnostic, GroupResult, GroupSummary, Measurement, ResponseResult, ScoreOptions
from .reward import aggregate_counts, apply_rounding, reward_for, score_of
from .sandbox.base import RunOutcome, RunSpec, RunStatus, Sandbox
from .settings import Settings, get_settings
from .verdict import Verdict

__all__ = ["Scorer", "assemble_group", "triage_to_measurement", "make_meter", "make_sandbox"]

log = logging.getLogger(__name__)


def make_meter(settings: Settings) -> tuple[Meter, Any]:
    """The meter the settings ask for, and the native helper it needs.

    ``auto``: hardware counters, else QEMU with the counting plugin, else callgrind
    (``meter.identity.choose_auto``, which logs the choice and why). An explicit backend
    that cannot work here raises MeterUnavailable, saying why.
    """
    python = settings.sandbox.python
    native = settings.data_dir / "native"
    extension = build_extension(python, native)
    choice = resolve_backend(settings)
    if choice == "perf":
        return HardwareMeter(python, extension), extension
    if choice == "qemu":
        plugin = build_plugin(native)
        reason = probe_qemu(python, plugin, settings.meter.qemu)
        if reason is not None:
            raise MeterUnavailable(reason)
        return QemuMeter(plugin, settings.meter.qemu), extension
    return CallgrindMeter(settings.meter.valgrind), extension


def make_sandbox(settings: Settings) -> Sandbox:
    if settings.sandbox.backend == "docker":
        # Counts are taken inside the sandbox image (its qemu-user or valgrind, its plugin and
        # meter helper), so the worker's host needs none of them; containers have no
        # hardware counters, so auto means QEMU there (meter.identity says the same).
        from .sandbox.docker_backend import ContainerCallgrindMeter, DockerSandbox, container_qemu_meter

        if settings.meter.backend == "perf":
            raise MeterUnavailable("the docker backend counts with qemu or callgrind; set REWARD_METER__BACKEND")
        meter: Meter = ContainerCallgrindMeter() if settings.meter.backend == "callgrind" else container_qemu_meter()
        return DockerSandbox(settings, meter)
    meter, extension = make_meter(settings)
    from .sandbox.embedded import EmbeddedSandbox

    return EmbeddedSandbox(settings.sandbox, meter, extension, hash_seed=settings.meter.hash_seed)


def triage_to_measurement(extraction: Extraction) -> Measurement | None:
    """A Measurement for responses that never run (format_error, no_entity), else None."""
    if extraction.verdict is None:
        return None
    return Measurement(verdict=extraction.verdict, diagnostic=Diagnostic(message=extraction.message))


def _one_meter(items: Sequence[Measurement]) -> list[Measurement]:
    """Counts of different meters are not comparable: within a group, the passing members
    counted by any meter but the most common one become ``sandbox_error`` (masked)."""
    meters = [m.meter for m in items if m.verdict is Verdict.passed and m.instructions is not None]
    if len(set(meters)) <= 1:
        return list(items)
    keep = max(sorted(set(meters), key=str), key=meters.count)
    return [
        m if not (m.verdict is Verdict.passed and m.instructions is not None and m.meter != keep)
        else Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(
            message=f"counted by {m.meter!r}, the rest of the group by {keep!r}: not comparable"))
        for m in items
    ]


def assemble_group(problem: Problem, items: Sequence[Measurement], options: ScoreOptions) -> GroupResult:
    """Rewards of one group from one Measurement per response, in order."""
    items = _one_meter(items)
    verdicts = [m.verdict for m in items]
    metered = problem.metered_inputs(options.efficiency) if options.measure else "none"
    counts = [m.instructions if metered != "none" else None for m in items]
    rewards = reward_for(verdicts, counts)
    results = [
        ResponseResult(
            index=i, reward=apply_rounding(r, options.round_digits), verdict=m.verdict,
            instructions=m.instructions, score=score_of(m.instructions) if m.instructions else None,
            per_input=list(m.per_input), diagnostic=m.diagnostic,
        )
        for i, (m, r) in enumerate(zip(items, rewards, strict=True))
    ]
    tally: dict[Verdict, int] = {}
    for v in verdicts:
        tally[v] = tally.get(v, 0) + 1
    passing = [m.instructions for m in items if m.verdict is Verdict.passed and m.instructions]
    real = [r.reward for r in results if r.reward is not None]
    summary = GroupSummary(
        verdicts=tally, passed=tally.get(Verdict.passed, 0),
        mean_reward=sum(real) / len(real) if real else None,
        min_instructions=min(passing) if passing else None,
        max_instructions=max(passing) if passing else None,
    )
    return GroupResult(problem_id=problem.id, problem_version=problem.version, metered_inputs=metered,
                       results=results, summary=summary)


@dataclass(frozen=True)
class Expected:
    """Trusted outputs of one problem version."""

    tests: list[Any]  # tagged JSON, one per test
    perf: list[Any]  # one per performance input ([] when not checked)
    reference_cpu_s: float = 0.0  # CPU the reference needed for every test (0: not run)

    def cpu_limit(self, cap: float) -> float:
        """A candidate's CPU limit for the tests: generous next to the reference, never above ``cap``.

        Like EvalPlus, the limit follows the reference, so a problem whose tests take the
        reference 30 s does not fail every candidate, and an infinite loop on a quick problem
        does not hold a worker for the problem's whole cap.
        """
        if self.reference_cpu_s <= 0:
            return cap
        return min(cap, max(10.0, 4.0 * self.reference_cpu_s + 2.0))


def _failure(outcome: RunOutcome, what: str, index_offset: int = 0) -> Measurement:
    """The verdict of a run that did not produce its outputs."""
    d = Diagnostic(exception=outcome.exception)
    if outcome.index is not None:
        d.test_index = outcome.index + index_offset
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


_CHECK_ENTRY = EntryPoint(function="__rs_check__")


def _json_call(args: Any, kwargs: Any) -> str:
    """A trusted expression giving (args, kwargs) from JSON values (evaluated in the checker's run)."""
    return f"(_rs_json.loads({json.dumps(json.dumps(args))}), _rs_json.loads({json.dumps(json.dumps(kwargs))}))"


def _missing() -> Measurement:
    return Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(message="internal: response lost"))


class Scorer:
    """Scores code against problems. Thread-safe; one per process is enough."""

    def __init__(self, settings: Settings | None = None, sandbox: Sandbox | None = None) -> None:
        self.settings = settings or get_settings()
        self.sandbox = sandbox or make_sandbox(self.settings)
        self._expected: dict[str, Expected] = {}
        self._expected_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.settings.sandbox.concurrency,
                                        thread_name_prefix="scorer")
        #: how many codes were actually run (the result cache and dedup skip the rest)
        self.evaluations = 0

    @property
    def meter_name(self) -> str:
        return self.sandbox.meter_name

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.sandbox.close()

    def __enter__(self) -> Scorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ expected outputs
    def expected(self, problem: Problem) -> Expected:
        """Expected outputs of ``problem``, computed once from its reference when needed."""
        key = problem.version
        with self._lock:
            if key in self._expected:
                return self._expected[key]
            lock = self._expected_locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._expected:
                    return self._expected[key]
            value = self._load_expected(key) or self._compute_expected(problem)
            self._store_expected(key, value)
            with self._lock:
                self._expected[key] = value
        return value

    def _expected_path(self, version: str) -> Path:
        return self.settings.data_dir / "expected" / f"{version}.json"

    def _load_expected(self, version: str) -> Expected | None:
        """Expected outputs computed by an earlier process (keyed by the problem's content hash)."""
        try:
            data = json.loads(self._expected_path(version).read_text())
            return Expected(tests=list(data["tests"]), perf=list(data["perf"]),
                            reference_cpu_s=float(data.get("reference_cpu_s", 0.0)))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _store_expected(self, version: str, value: Expected) -> None:
        path = self._expected_path(version)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps({"tests": value.tests, "perf": value.perf,
                                       "reference_cpu_s": value.reference_cpu_s}))
            tmp.replace(path)
        except OSError as exc:  # a cache: failing to write it costs time, not correctness
            log.warning("cannot cache expected outputs at %s: %s", path, exc)

    def _reference_run(self, problem: Problem, spec: RunSpec, what: str) -> RunOutcome:
        outcome = self.sandbox.run_untrusted(spec)
        if outcome.status is not RunStatus.ok:
            raise InvalidProblem(
                f"the reference of {problem.id!r} failed on its {what}: "
                f"{outcome.status.value} {outcome.exception or ''} {outcome.message}".strip()
            )
        return outcome

    def _compute_expected(self, problem: Problem) -> Expected:
        tests: list[Any] = [t.expected for t in problem.tests]
        missing = [i for i, t in enumerate(problem.tests) if not t.has_expected]
        cpu = 0.0
        if problem.reference is not None:
            # every test, so the reference's time calibrates the candidates' limit
            run = self._reference_run(problem, self._spec(problem, problem.reference, problem.tests), "tests")
            cpu = run.cpu_s
            for i in missing:
                tests[i] = run.outputs[i]
        perf: list[Any] = []
        if problem.performance and problem.performance.check_outputs and problem.reference:
            for spec in self._perf_specs(problem, problem.reference, measure=False):
                perf += self._reference_run(problem, spec, "performance inputs").outputs
        return Expected(tests=tests, perf=perf, reference_cpu_s=cpu)

    # ------------------------------------------------------------------ run specs
    def _spec(self, problem: Problem, code: str, tests: Sequence[Any], *, measure: bool = False) -> RunSpec:
        return RunSpec(
            code=code, entry=problem.entry, setup=problem.setup,
            inputs=[{"args": t.args, "kwargs": t.kwargs, "expr": t.expr} for t in tests],
            output_encoder=problem.output_encoder,
            cpu_s=problem.limits.perf_time_s if measure else problem.limits.time_s,
            memory_mb=problem.limits.memory_mb, measure=measure,
        )

    def _perf_specs(self, problem: Problem, code: str, *, measure: bool) -> list[RunSpec]:
        perf = problem.performance
        if perf is None or not perf.count:  # no high-contrast inputs: meter the tests (metered_inputs "tests")
            return [self._spec(problem, code, problem.tests, measure=measure)]
        specs = [self._spec(problem, code, [inp], measure=measure) for inp in perf.inputs]
        if perf.generator:
            base = dataclasses.replace(
                self._spec(problem, code, [], measure=measure), generator=perf.generator, scale=perf.scale,
                cpu_s=problem.limits.perf_time_s if measure else max(problem.limits.time_s, 30.0),
            )
            specs += [dataclasses.replace(base, seed=seed) for seed in perf.seeds]
        return specs

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, problem: Problem, code: str, *, measure: bool = True,
                 aggregate: Aggregate = "sum") -> Measurement:
        """Correctness, then (for passing code) instructions. Never raises for the candidate's faults."""
        started = time.monotonic()
        with self._lock:
            self.evaluations += 1
        try:
            m = self._evaluate(problem, code, measure, aggregate)
        except (InfrastructureError, InvalidProblem) as exc:
            m = Measurement(verdict=Verdict.sandbox_error, diagnostic=Diagnostic(message=exc.message[:500]))
        m.seconds = time.monotonic() - started
        return m

    def _evaluate(self, problem: Problem, code: str, measure: bool, aggregate: Aggregate) -> Measurement:
        tree = parse_code(code)
        if tree is None:
            return Measurement(verdict=Verdict.no_entity, diagnostic=Diagnostic(message="code does not parse"))
        if not defines_entry(tree, problem.entry):
            return Measurement(verdict=Verdict.no_entity,
                               diagnostic=Diagnostic(message=f"code does not define {problem.entry.defined_name!r}"))
        expected = self.expected(problem)
        spec = self._spec(problem, code, problem.tests)
        spec = dataclasses.replace(spec, cpu_s=expected.cpu_limit(problem.limits.time_s))
        outcome = self.sandbox.run_untrusted(spec)
        if outcome.status is not RunStatus.ok or outcome.leftovers:
            if outcome.status is RunStatus.ok:
                return Measurement(verdict=Verdict.runtime_error,
                                   diagnostic=Diagnostic(message="left processes running", limit="processes"))
            return _failure(outcome, "tests")
        bad = self._first_mismatch(problem, outcome.outputs, expected.tests)
        if bad is not None:
            i, why = bad
            where = "hidden" if problem.tests[i].hidden else "visible"
            return Measurement(verdict=Verdict.wrong_answer, diagnostic=Diagnostic(
                message=f"wrong answer on test {i} ({where}){why}", test_index=i))
        if not measure or problem.efficiency == "none":
            return Measurement(verdict=Verdict.passed, meter=None)
        counts: list[int] = []
        for j, spec in enumerate(self._perf_specs(problem, code, measure=True)):
            run = self.sandbox.run_untrusted(spec)
            if run.status is not RunStatus.ok:
                failed = _failure(run, "performance inputs")
                failed.diagnostic.perf_input_index = j
                failed.diagnostic.test_index = None
                return failed
            if run.leftovers:
                return Measurement(verdict=Verdict.runtime_error, diagnostic=Diagnostic(
                    message="left processes running", limit="processes", perf_input_index=j))
            if problem.performance and expected.perf:
                bad = self._first_mismatch(problem, run.outputs, [expected.perf[j]], perf_spec=spec)
                if bad is not None:
                    return Measurement(verdict=Verdict.wrong_answer, diagnostic=Diagnostic(
                        message=f"wrong answer on performance input {j} (hidden){bad[1]}", perf_input_index=j))
            if run.instructions is None:
                raise SandboxError(f"meter failed: {run.meter_error or 'no count'}")
            counts.append(run.instructions)
        return Measurement(verdict=Verdict.passed, instructions=aggregate_counts(counts, aggregate),
                           per_input=counts, meter=self.meter_name)

    # ------------------------------------------------------------------ comparison
    def _first_mismatch(self, problem: Problem, actual: Sequence[Any], expected: Sequence[Any],
                        perf_spec: RunSpec | None = None) -> tuple[int, str] | None:
        """(index, why) of the first output that does not match, or None.

        ``exact`` and ``float`` compare here; a ``checker`` (caller-supplied code) runs in the
        sandbox, in a fresh process of its own, and gets the input it judges: the test's
        arguments, or the performance input its generator makes again from the same seed.
        """
        if problem.comparison.mode != "checker":
            for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
                if not outputs_match(a, e, problem.comparison):
                    return i, ""
            return None
        checker = (problem.comparison.checker or "") + CHECKER_WRAPPER
        setup = (problem.setup or "") + CHECKER_SETUP
        if perf_spec is not None and perf_spec.generator:
            generator = perf_spec.generator + (
                "\nimport json as _rs_json\n_rs_generate = generate\n"
                "def generate(scale, seed):\n    made = _rs_generate(scale, seed)\n"
                "    return {'args': [{'args': list(made.get('args', [])), 'kwargs': dict(made.get('kwargs', {}))}, "
                f"_rs_json.loads({json.dumps(json.dumps(expected[0]))}), _rs_json.loads({json.dumps(json.dumps(actual[0]))})]}}\n"
            )
            spec = dataclasses.replace(perf_spec, code=checker, entry=_CHECK_ENTRY, setup=setup, generator=generator,
                                       output_encoder=None, measure=False, cpu_s=problem.limits.time_s)
        else:
            cases = problem.tests if perf_spec is None else [None] * len(actual)
            inputs = []
            for case, a, e in zip(cases, actual, expected, strict=True):
                if perf_spec is not None:
                    item = perf_spec.inputs[0]
                    call = item.get("expr") or _json_call(item.get("args", []), item.get("kwargs", {}))
                else:
                    assert case is not None
                    call = case.expr or _json_call(case.args, case.kwargs)
                inputs.append({"expr": checker_expr(call, e, a)})
            spec = RunSpec(code=checker, entry=_CHECK_ENTRY, setup=setup, inputs=inputs,
                           cpu_s=problem.limits.time_s, memory_mb=problem.limits.memory_mb)
        outcome = self.sandbox.run_untrusted(spec)
        if outcome.status is not RunStatus.ok:  # the checker failed on this output: it is not accepted
            return 0, f": the checker failed ({outcome.exception or outcome.status.value}: {outcome.message[:100]})"
        for i, verdict in enumerate(outcome.outputs):
            if verdict is not True:
                return i, ""
        return None

    # ------------------------------------------------------------------ groups
    def score_groups(self, groups: Sequence[tuple[Problem, Sequence[str]]], options: ScoreOptions | None = None,
                     progress: Callable[[int], None] | None = None) -> list[GroupResult]:
        """Score many groups, measuring each unique (problem version, code) once."""
        options = options or ScoreOptions()
        items: list[list[Measurement | None]] = []
        jobs: dict[tuple[str, str], tuple[Problem, str]] = {}
        keys: list[list[tuple[str, str] | None]] = []
        for problem, responses in groups:
            row: list[Measurement | None] = []
            krow: list[tuple[str, str] | None] = []
            for text in responses:
                ex = triage(text, problem.entry)
                fixed = triage_to_measurement(ex)
                row.append(fixed)
                if fixed is None:
                    assert ex.code is not None
                    key = (problem.version, code_digest(ex.code))
                    jobs.setdefault(key, (problem, ex.code))
                    krow.append(key)
                else:
                    krow.append(None)
            items.append(row)
            keys.append(krow)
        done: dict[tuple[str, str], Measurement] = {}
        measure = options.measure and options.efficiency != "none"
        futures = {k: self._pool.submit(self.evaluate, p, c, measure=measure, aggregate=options.aggregate)
                   for k, (p, c) in jobs.items()}
        for k, fut in futures.items():
            done[k] = fut.result()
            if progress:
                progress(1)
        out = []
        for (problem, _), row, krow in zip(groups, items, keys, strict=True):
            filled: list[Measurement] = []
            for m, slot in zip(row, krow, strict=True):
                filled.append(m if m is not None else done[slot] if slot is not None else _missing())
            out.append(assemble_group(problem, filled, options))
        return out

    def score_group(self, problem: Problem, responses: Sequence[str], options: ScoreOptions | None = None) -> GroupResult:
        return self.score_groups([(problem, responses)], options)[0]
