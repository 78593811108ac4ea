"""The wall limit stops runs that stall, never a CPU-bound run on a busy machine.

The run's zygotes are pinned to one CPU (affinity is inherited from the process that
starts them) and five spinning processes share that CPU with them: a run that needs about
a second of CPU then takes several seconds of wall time, more than a plain wall limit of
``max(1, cpu_s / 2)`` allows (the pool's limits are made tight for the test), and must still
pass. A sleeping run is still stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.meter import build_extension
from reward_service.problem import EntryPoint
from reward_service.sandbox.base import RunSpec, RunStatus
from reward_service.sandbox.embedded import EmbeddedSandbox
from reward_service.sandbox.zygote import wall_limits
from reward_service.scoring import Scorer
from reward_service.settings import Settings

CPU = 0
SPIN = f"import os\nos.sched_setaffinity(0, {{{CPU}}})\nwhile True:\n    pass\n"
# about a second of CPU on this machine, natively
BUSY = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i * i\n    return t\n"


@pytest.fixture(scope="module")
def pinned_sandbox(settings: Settings) -> Iterator[EmbeddedSandbox]:
    if not hasattr(os, "sched_setaffinity") or CPU not in os.sched_getaffinity(0):
        pytest.skip("needs CPU affinity")
    extension = build_extension(settings.sandbox.python, settings.data_dir / "native")
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CPU})
    try:
        sandbox = EmbeddedSandbox(settings.sandbox, None, extension)
        # tight limits: the old rule (wall = max(floor, cpu_s * factor)) would stop the busy run
        sandbox._plain._wall_factor, sandbox._plain._min_wall_s = 0.5, 1.0
        sandbox.run_untrusted(RunSpec(code="def f():\n    return 0\n", entry=EntryPoint(function="f"),
                                      inputs=[{"args": []}]))  # starts a zygote on the pinned CPU
    finally:
        os.sched_setaffinity(0, before)
    try:
        yield sandbox
    finally:
        sandbox.close()


def spinning(hogs: list[subprocess.Popen[bytes]]) -> None:
    """Wait until every hog has started spinning (has used CPU in its loop)."""
    deadline = time.monotonic() + 20
    for hog in hogs:
        while time.monotonic() < deadline:
            stat = Path(f"/proc/{hog.pid}/stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[11]) > 5:  # clock ticks of user time: past the interpreter's start
                break
            time.sleep(0.05)


def test_a_cpu_bound_run_on_a_loaded_cpu_is_not_stopped_by_the_wall_limit(pinned_sandbox: EmbeddedSandbox) -> None:
    n = 25_000_000
    spec = RunSpec(code=BUSY, entry=EntryPoint(function="f"), inputs=[{"args": [n]}], cpu_s=4.0)
    # each in a session of its own, as the zygotes are: with autogroup scheduling a CPU is
    # shared between sessions first
    hogs = [subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True) for _ in range(5)]
    try:
        spinning(hogs)
        started = time.monotonic()
        outcome = pinned_sandbox.run_untrusted(spec)
        wall = time.monotonic() - started
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert outcome.status is RunStatus.ok, (outcome.status, outcome.limit, outcome.cpu_s, outcome.wall_s)
    assert outcome.outputs is not None
    stall, _ = wall_limits(spec.cpu_s, 0.5, 1.0)
    # the point of the test: it ran past the plain wall limit, on a CPU it shared with five others
    assert wall > stall, (wall, outcome.cpu_s)


def test_a_sleeping_run_is_still_stopped(pinned_sandbox: EmbeddedSandbox) -> None:
    code = "import time\ndef f():\n    time.sleep(600)\n    return 0\n"
    spec = RunSpec(code=code, entry=EntryPoint(function="f"), inputs=[{"args": []}], cpu_s=1.0)
    started = time.monotonic()
    outcome = pinned_sandbox.run_untrusted(spec)
    wall = time.monotonic() - started
    assert outcome.status is RunStatus.timeout and outcome.limit == "wall"
    stall, _ = wall_limits(spec.cpu_s, 0.5, 1.0)
    assert stall <= wall < stall + 3.0


def test_wall_limits_bound_the_whole_run() -> None:
    stall, overload = wall_limits(120.0, 1.5)
    assert stall == 180.0 and overload > stall + 120.0
    assert wall_limits(0.5, 3.0)[0] == 5.0


def test_a_metered_run_that_spends_its_cpu_limit_is_a_cpu_timeout(scorer: Scorer) -> None:
    # valgrind ends a run past RLIMIT_CPU with an exit status, not SIGXCPU: it was reported as
    # a crash ("exited without a result"), and run a second time
    spec = RunSpec(code="def f():\n    while True:\n        pass\n", entry=EntryPoint(function="f"),
                   inputs=[{"args": []}], cpu_s=1.0, measure=True)
    outcome = scorer.sandbox.run_untrusted(spec)
    assert outcome.status is RunStatus.timeout and outcome.limit == "cpu", (outcome.status, outcome.message)
