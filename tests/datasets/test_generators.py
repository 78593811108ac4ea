"""EvalPerf generators: deterministic, encodable inputs on which slow solutions are slow.

Every one of the 89 generator files loads and makes deterministic, encodable inputs. The
real targets (callgrind contrast and ordering over every labelled solution) are measured by
``bench/evalperf_contrast.py``; here a cheaper native check on the first 14 generators:
outputs agree and the slow solution takes at least 3x the wall time of the fast one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from reward_service.datasets import GENERATORS, evalperf_problems, load_evalperf, load_mbppplus, perf_solutions
from reward_service.datasets.generators import GENERATOR_DIR, load_generator, write_scale
from reward_service.datasets.mbppplus import MBPPPLUS_FILE
from reward_service.datasets.paths import data_file, read_jsonl
from reward_service.errors import InvalidProblem
from reward_service.problem import Problem
from reward_service.sandbox import wire

# the generators that existed before all 89 did: checked natively at full scale
ORIGINAL = ["Mbpp/3", "Mbpp/96", "Mbpp/166", "Mbpp/256", "Mbpp/757", "Mbpp/108", "Mbpp/88", "Mbpp/777",
            "Mbpp/632", "Mbpp/251", "Mbpp/140", "Mbpp/226", "Mbpp/11", "Mbpp/610"]

# Runs in a fresh interpreter: the solutions are trusted data-set code, but slow ones
# must not hold up the test process. Prints one JSON line.
_CONTRAST = """
import copy, io, json, sys, time
req = json.load(sys.stdin)
ns = {}
exec(req["generator"], ns)
made = ns["generate"](req["scale"], 0)
report = {}
outputs = {}
for name, source in req["solutions"].items():
    env = {}
    exec(source, env)
    fn = env[req["entry"]]
    best = None
    for _ in range(3 if name == "fast" else 1):
        args = copy.deepcopy(made["args"])
        sys.stdout = io.StringIO()
        start = time.perf_counter()
        out = fn(*args, **made["kwargs"])
        took = time.perf_counter() - start
        sys.stdout = sys.__stdout__
        best = took if best is None else min(best, took)
    outputs[name] = out
    report[name] = best
report["equal"] = outputs["canonical"] == outputs["fast"] == outputs["slow"]
print(json.dumps(report))
"""

# Every MBPP+ input, restored to its Python types: the fast and slow solutions must
# agree with the canonical one wherever the canonical one succeeds.
_MBPPPLUS = """
import copy, io, json, sys
sys.path[:0] = json.loads(sys.argv[1])
from reward_service.datasets.mbppplus import mbppplus_inputs
req = json.load(sys.stdin)
base, plus = mbppplus_inputs(req["record"])
def run(source):
    env = {}
    exec(source, env)
    fn = env[req["record"]["entry_point"]]
    outs = []
    sys.stdout = io.StringIO()
    for inp in base + plus:
        try:
            outs.append(("ok", fn(*copy.deepcopy(list(inp)))))
        except Exception as exc:
            outs.append(("error", type(exc).__name__))
    sys.stdout = sys.__stdout__
    return outs
expected = run(req["record"]["canonical_solution"])
bad = {}
for name, source in req["solutions"].items():
    got = run(source)
    bad[name] = [i for i, (e, g) in enumerate(zip(expected, got)) if e[0] == "ok" and e != g]
print(json.dumps(bad))
"""


@cache
def mbpp() -> dict[str, Problem]:
    return {p.id: p for p in load_mbppplus()}


@cache
def mbpp_records() -> dict[str, dict[str, Any]]:
    return {str(r["task_id"]): r for r in read_jsonl(data_file(MBPPPLUS_FILE))}


def run_python(script: str, request: dict[str, Any], *argv: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_evalperf_task_has_a_generator_file() -> None:
    tasks = {t.task_id: t for t in load_evalperf()}
    assert len(tasks) == 89 and set(GENERATORS) == set(tasks)
    assert len(list(GENERATOR_DIR.glob("Mbpp_*.py"))) == 89
    assert all(g.why and g.scale >= 1 for g in GENERATORS.values())
    for task_id in ORIGINAL:
        clusters = {s.cluster for s in tasks[task_id].solutions}
        assert min(clusters) <= 0 < max(clusters), task_id


def test_evalperf_problems_carry_the_generators() -> None:
    problems = evalperf_problems(list(mbpp().values()))
    assert [p.id for p in problems] == list(GENERATORS)
    for problem in problems:
        gen = GENERATORS[problem.id]
        assert problem.performance is not None
        assert problem.performance.generator == gen.source
        assert (problem.performance.scale, problem.performance.seeds) == (gen.scale, [0])
        assert problem.performance.check_outputs and problem.reference
        assert problem.tests == mbpp()[problem.id].tests


def test_perf_solutions_pick_top_cluster_fast_and_low_cluster_slow() -> None:
    tasks = {t.task_id: t for t in load_evalperf()}
    for task_id in GENERATORS:
        fast, slow = perf_solutions(task_id)
        cluster = {s.source: s.cluster for s in tasks[task_id].solutions}
        assert cluster[fast] == tasks[task_id].top_cluster
        assert cluster[slow] <= max(0, min(s.cluster for s in tasks[task_id].solutions if s.cluster >= 0))


def test_every_generator_is_deterministic_and_encodable_at_small_scales() -> None:
    for task_id, gen in GENERATORS.items():
        ns: dict[str, Any] = {}
        exec(gen.source, ns)
        for scale, seed in ((10, 0), (64, 1)):
            first = ns["generate"](scale, seed)
            assert first == ns["generate"](scale, seed), task_id
            assert set(first) == {"args", "kwargs"} and isinstance(first["args"], list), task_id
            json.dumps(wire.encode(first), allow_nan=False)


@pytest.mark.parametrize("task_id", ORIGINAL)
def test_generator_is_deterministic_and_encodable(task_id: str) -> None:
    gen = GENERATORS[task_id]
    ns: dict[str, Any] = {}
    exec(gen.source, ns)
    first = ns["generate"](gen.scale, 0)
    assert first == ns["generate"](gen.scale, 0)
    json.dumps(wire.encode(first), allow_nan=False)


def test_generator_files_are_checked_and_their_scale_rewritten(tmp_path: Path) -> None:
    file = tmp_path / "Mbpp_3.py"
    file.write_text((GENERATOR_DIR / "Mbpp_3.py").read_text())
    assert write_scale("Mbpp/3", 4242, tmp_path) == file
    assert load_generator(file).scale == 4242 and load_generator(file).task_id == "Mbpp/3"
    (tmp_path / "Mbpp_9.py").write_text("def generate(scale, seed):\n    return {'args': [scale]}\n")
    with pytest.raises(InvalidProblem, match="SCALE"):
        load_generator(tmp_path / "Mbpp_9.py")


@pytest.mark.parametrize("task_id", ORIGINAL)
def test_slow_solution_is_slower_and_all_agree(task_id: str) -> None:
    gen = GENERATORS[task_id]
    fast, slow = perf_solutions(task_id)
    problem = mbpp()[task_id]
    request = {
        "generator": gen.source,
        "scale": gen.scale,
        "entry": problem.entry_point,
        "solutions": {"canonical": problem.reference, "fast": fast, "slow": slow},
    }
    report = run_python(_CONTRAST, request)
    assert report["equal"], task_id
    assert report["slow"] >= 3 * report["fast"], report


@pytest.mark.parametrize("task_id", ORIGINAL)
def test_fast_and_slow_solutions_pass_mbppplus(task_id: str) -> None:
    fast, slow = perf_solutions(task_id)
    request = {"record": mbpp_records()[task_id], "solutions": {"fast": fast, "slow": slow}}
    bad = run_python(_MBPPPLUS, request, json.dumps(sys.path))
    assert bad == {"fast": [], "slow": []}
