"""Scale calibration: size a problem's generated performance input by instruction count.

EvalPerf's scale search (``evalplus/perf/sampling.py``) runs the generator at scale 2, 4,
8, ... 2**26 and keeps the last input on which the reference finished within a wall-time
limit (or before a memory error, an overflowing integer, a 64 MB input). It is coarse: a
factor of two between candidates, wall time on a shared machine as the yardstick, and no
target, so one task's input costs 1e6 instructions and another's 1e10.

Here the yardstick is the service's own meter, and the search:

1. doubles the scale from ``start`` until the reference's instruction count N reaches
   ``target`` (or, with ``slow_target`` and a slower solution given, until that solution's
   count reaches ``slow_target``), or a bound stops it: the reference's metered CPU time (``max_cpu_s``), its
   memory limit, the first given slower solution's metered CPU time (it must stay under
   half of ``slow_cpu_s``, default a quarter of ``perf_time_s``, so slow-but-correct code
   stays well within the limit even on a loaded machine), a count that no longer grows (a generator that ignores ``scale``), or
   ``max_scale``;
2. bisects between the last two doublings (``bisect_steps`` times) for the scale whose N
   (the reference's, or the slower solution's) is nearest the target, or the largest scale
   within the bound that stopped it;
3. checks the chosen input: the reference runs on it, twice, with the same output (a
   generator whose input is not a function of ``(scale, seed)`` is refused).

**The default target** (``DEFAULT_TARGET`` = 2e7 instructions) follows from the limits:
a metered run may use ``Limits.perf_time_s`` = 120 CPU seconds, and callgrind executes
Python at about 4e7 instructions per second (55-80x slower than native), so a metered run
can count about 5e9 instructions. A slow-but-correct solution that does 100x the
reference's work (EvalPerf's slowest clusters on quadratic-vs-linear tasks) must fit with
a factor of two to spare: 5e9 / 100 / 2 = 2.5e7, rounded down to 2e7. That is also about
0.5 s of callgrind time per metered reference run.

**The slow target** (``DEFAULT_SLOW_TARGET`` = 1e9, used by ``reward-service calibrate``
when it has a slower solution): the reference target above guesses the slow solution's
count from the reference's; with a slow solution at hand its count is known, and the scale
can grow until *it* costs 1e9 instructions (a fifth of what a callgrind run can count, half
of the 2e9 the bundled EvalPerf generators keep their slowest labelled solution under).
Where the reference is itself a slow algorithm (Mbpp/256) or the slow solution is only a
few times slower, the reference target stopped the scale early and gave up contrast: on
the 14 generator tasks whose scales were chosen by hand, sizing by the reference (2e7)
kept their pair's contrast on 10 and lost up to 2.3x on 4 (Mbpp/96, 140, 166, 256);
sizing by the slow solution (1e9) kept it within 1% on the two linear-against-linear
tasks (Mbpp/226, 610) and raised it 1.02-13x on the other 12
(``bench/results/evalperf-contrast.md``). The slow solution's CPU bound still
applies, so under callgrind (~4e7 instructions/s) the bound, not the target, stops it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..errors import InvalidProblem
from ..problem import Problem
from ..sandbox.base import RunOutcome, RunSpec, RunStatus, Sandbox

__all__ = [
    "DEFAULT_TARGET",
    "DEFAULT_SLOW_TARGET",
    "Calibration",
    "Step",
    "SolutionCount",
    "StopReason",
    "calibrate",
]

DEFAULT_TARGET = 20_000_000
DEFAULT_SLOW_TARGET = 1_000_000_000
_FLAT_FROM = 2**20

#: why the doubling stopped: the target was reached; the reference's CPU bound, its memory
#: limit, or the slowest solution's CPU bound was hit; N stopped growing; the scale cap.
StopReason = Literal["target", "time", "memory", "slow_time", "flat", "max_scale"]


@dataclass(frozen=True)
class Step:
    """One metered run of the reference during the search."""

    scale: int
    instructions: int | None  # None: the run hit a bound
    cpu_s: float
    status: str  # "ok", "timeout", "memory"


@dataclass(frozen=True)
class SolutionCount:
    """A given slower or faster solution at the chosen scale."""

    label: str  # "slower 0", "faster 1", ...
    instructions: int | None
    status: str
    cpu_s: float
    ratio: float | None  # its N / the reference's N


@dataclass(frozen=True)
class Calibration:
    problem: Problem  # with the chosen scale
    scale: int
    reference_instructions: int
    reference_cpu_s: float
    reference_wall_s: float
    stop: StopReason
    target: int
    target_of: str = "reference"  # whose count the target was: "reference" or "slower 0"
    steps: list[Step] = field(default_factory=list)
    solutions: list[SolutionCount] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        return self.reference_instructions >= self.target or self.stop == "target"

    @property
    def contrast(self) -> float | None:
        """N(slowest given solution) / N(fastest given solution, or the reference)."""
        counts = [s.instructions for s in self.solutions if s.instructions]
        slow = [s.instructions for s in self.solutions if s.label.startswith("slower") and s.instructions]
        if not slow:
            return None
        return max(slow) / min([*counts, self.reference_instructions])


class _Search:
    def __init__(self, problem: Problem, sandbox: Sandbox, seed: int, max_cpu_s: float, memory_mb: int) -> None:
        perf = problem.performance
        if perf is None or not perf.generator:
            raise InvalidProblem(f"problem {problem.id!r} has no performance generator to calibrate")
        if problem.reference is None:
            raise InvalidProblem(f"problem {problem.id!r} has no reference to calibrate with")
        self.problem, self.sandbox, self.seed = problem, sandbox, seed
        self.generator, self.reference = perf.generator, problem.reference
        self.max_cpu_s, self.memory_mb = max_cpu_s, memory_mb
        self.steps: list[Step] = []
        self.outcomes: dict[int, RunOutcome] = {}

    def spec(self, code: str, scale: int, *, measure: bool, cpu_s: float) -> RunSpec:
        p = self.problem
        return RunSpec(code=code, entry=p.entry, setup=p.setup, generator=self.generator, scale=scale,
                       seed=self.seed, output_encoder=p.output_encoder, cpu_s=cpu_s,
                       memory_mb=self.memory_mb, measure=measure)

    def reference_at(self, scale: int) -> Step:
        """Meter the reference at ``scale``; a failure other than a bound is the problem's fault."""
        out = self.sandbox.run_untrusted(self.spec(self.reference, scale, measure=True, cpu_s=self.max_cpu_s))
        if out.status is RunStatus.ok and out.instructions is not None:
            step = Step(scale, out.instructions, out.cpu_s, "ok")
            self.outcomes[scale] = out
        elif out.status in (RunStatus.timeout, RunStatus.memory):
            step = Step(scale, None, out.cpu_s, out.status.value)
        else:
            raise InvalidProblem(
                f"the reference of {self.problem.id!r} fails on the generated input at scale {scale} "
                f"(seed {self.seed}): {out.status.value} {out.exception or ''} {out.message}".strip()[:500]
            )
        self.steps.append(step)
        return step

    def meter(self, code: str, scale: int, cpu_s: float) -> RunOutcome:
        return self.sandbox.run_untrusted(self.spec(code, scale, measure=True, cpu_s=cpu_s))

    def check_deterministic(self, scale: int) -> None:
        """Two unmetered runs of the reference on (scale, seed) give the same output."""
        runs = [self.sandbox.run_untrusted(self.spec(self.reference, scale, measure=False, cpu_s=60.0))
                for _ in range(2)]
        for out in runs:
            if out.status is not RunStatus.ok:
                raise InvalidProblem(f"the reference of {self.problem.id!r} fails at scale {scale}: "
                                     f"{out.status.value} {out.exception or ''} {out.message}".strip()[:500])
        if runs[0].outputs != runs[1].outputs:
            raise InvalidProblem(
                f"the generator of {self.problem.id!r} is not deterministic: the reference's output differs "
                f"between two inputs generated for scale {scale}, seed {self.seed}"
            )


def _log_distance(n: int, target: int) -> float:
    return abs(math.log(max(n, 1) / target))


def calibrate(
    problem: Problem,
    sandbox: Sandbox,
    *,
    target: int = DEFAULT_TARGET,
    start: int = 1,
    max_scale: int = 2**26,
    max_cpu_s: float | None = None,
    slow_cpu_s: float | None = None,
    bisect_steps: int = 3,
    slower: Sequence[str] = (),
    faster: Sequence[str] = (),
    slow_target: int | None = None,
) -> Calibration:
    """Choose the scale of ``problem``'s generator (see the module docstring).

    ``max_cpu_s``: the reference's metered CPU bound (default ``perf_time_s`` / 20);
    ``slow_cpu_s``: the first slower solution's metered CPU bound (default ``perf_time_s`` / 4);
    ``slow_target``: with a slower solution, size by its count instead of the reference's.
    Raises ``InvalidProblem`` when the reference fails on a generated input or the
    generator is not deterministic.
    """
    if target < 1 or start < 1 or max_scale < start:
        raise InvalidProblem("calibrate: target and start must be positive and start <= max_scale")
    perf_s = problem.limits.perf_time_s
    seed = problem.performance.seeds[0] if problem.performance and problem.performance.seeds else 0
    search = _Search(problem, sandbox, seed, max_cpu_s or perf_s / 20, problem.limits.memory_mb)
    slow_bound = slow_cpu_s or perf_s / 4
    slowest = slower[0] if slower else None
    by_slow = slowest is not None and slow_target is not None
    if by_slow:
        assert slow_target is not None
        target = slow_target
    slow_counts: dict[int, int] = {}

    def slow_fits(scale: int) -> bool:
        if slowest is None:
            return True
        out = search.meter(slowest, scale, slow_bound)
        fits = out.status is RunStatus.ok and out.cpu_s <= slow_bound / 2  # headroom for a loaded machine
        if fits and out.instructions is not None:
            slow_counts[scale] = out.instructions
        return fits

    def goal(scale: int, reference_n: int) -> int:
        """The count compared with the target at ``scale``."""
        return slow_counts.get(scale, 0) if by_slow else reference_n

    # 1. doubling
    scale, good, bad = start, 0, 0  # good: largest scale within every bound; bad: first over one
    stop: StopReason = "max_scale"
    while True:
        step = search.reference_at(scale)
        if step.instructions is None:
            stop, bad = ("time" if step.status == "timeout" else "memory"), scale
            break
        if not slow_fits(scale):
            stop, bad = "slow_time", scale
            break
        good = scale
        if goal(scale, step.instructions) >= target:
            stop = "target"
            break
        # flat: N grew < 10% over the last five doublings, past the scales where the run's fixed
        # cost can hide a slowly growing count (a sqrt(n) loop, say)
        ok = [s.instructions for s in search.steps if s.instructions is not None]
        if scale >= _FLAT_FROM and len(ok) >= 6 and ok[-1] < 1.1 * ok[-6]:
            stop = "flat"
            break
        if scale * 2 > max_scale:
            break
        scale *= 2
    if good == 0:
        raise InvalidProblem(f"calibrate {problem.id!r}: the reference exceeds the bounds already at scale {start}")

    # 2. bisection between the last two doublings
    if stop == "target" and good > start:
        lo, hi = good // 2, good  # N(lo) < target <= N(hi)
        for _ in range(bisect_steps):
            if hi - lo <= 1:
                break
            mid = (lo + hi) // 2
            n = search.reference_at(mid).instructions
            if by_slow and (n is None or not slow_fits(mid)):
                hi = mid  # over a bound: smaller
            elif n is not None and goal(mid, n) >= target:
                hi = mid
            else:
                lo = mid
        counts = {s.scale: goal(s.scale, s.instructions) for s in search.steps if s.instructions is not None}
        good = min((s for s in (lo, hi) if counts.get(s)), key=lambda s: _log_distance(counts[s], target))
    elif stop in ("time", "memory", "slow_time") and bad > good:
        lo, hi = good, bad
        for _ in range(bisect_steps):
            if hi - lo <= 1:
                break
            mid = (lo + hi) // 2
            step = search.reference_at(mid)
            if step.instructions is not None and slow_fits(mid):
                lo = mid
            else:
                hi = mid
        good = lo

    # 3. the chosen input: valid and deterministic
    search.check_deterministic(good)
    chosen = search.outcomes[good]
    assert chosen.instructions is not None and problem.performance is not None
    reference_n = chosen.instructions
    counts_out: list[SolutionCount] = []
    for kind, codes in (("slower", slower), ("faster", faster)):
        for i, code in enumerate(codes):
            out = search.meter(code, good, perf_s)  # the limit a metered run really has
            n = out.instructions if out.status is RunStatus.ok else None
            counts_out.append(SolutionCount(f"{kind} {i}", n, out.status.value, out.cpu_s,
                                            n / reference_n if n else None))
    performance = problem.performance.model_copy(update={"scale": good})
    return Calibration(
        problem=problem.model_copy(update={"performance": performance}), scale=good,
        reference_instructions=reference_n, reference_cpu_s=chosen.cpu_s, reference_wall_s=chosen.wall_s,
        stop=stop, target=target, target_of="slower 0" if by_slow else "reference", steps=search.steps,
        solutions=counts_out,
    )
