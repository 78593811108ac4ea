"""MBPP+ as problems, on the real data set (../shared/data)."""

from __future__ import annotations

import contextlib
import io
import math
import time
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from reward_service.datasets import data_dir, data_file, load_mbppplus, mbppplus_inputs, to_source
from reward_service.datasets.mbppplus import MBPPPLUS_FILE
from reward_service.datasets.paths import read_jsonl
from reward_service.problem import Case, Problem


@cache
def problems() -> dict[str, Problem]:
    return {p.id: p for p in load_mbppplus()}


@cache
def records() -> dict[str, dict[str, Any]]:
    return {str(r["task_id"]): r for r in read_jsonl(data_file(MBPPPLUS_FILE))}


def call_input(case: Case) -> list[Any]:
    if case.expr is None:
        return list(case.args)
    args, kwargs = eval(case.expr, {})  # trusted: built by the loader
    assert kwargs == {}
    return list(args)


def test_all_tasks_convert_quickly() -> None:
    from reward_service.datasets.mbppplus import _load

    _load.cache_clear()
    start = time.perf_counter()
    loaded = load_mbppplus()
    elapsed = time.perf_counter() - start
    assert len(loaded) == 378
    assert len({p.id for p in loaded}) == 378
    assert elapsed < 30.0  # about 0.7 s alone: catches a pathological slowdown, not noise (figures live in bench/)


def test_tests_are_base_then_plus_with_reference_outputs() -> None:
    for task_id, record in records().items():
        problem = problems()[task_id]
        base, plus = mbppplus_inputs(record)
        assert len(problem.tests) == len(base) + len(plus), task_id
        assert problem.reference == record["canonical_solution"]
        assert problem.entry_point == record["entry_point"]
        assert all(not case.has_expected for case in problem.tests)
        assert [call_input(c) for c in problem.tests] == [list(i) for i in base + plus], task_id


def test_visible_tests_are_the_prompt_examples() -> None:
    for problem in problems().values():
        visible = [i for i, case in enumerate(problem.tests) if not case.hidden]
        assert visible, problem.id
    # The prompt of Mbpp/3 shows is_not_prime(2), which is its second base input.
    assert [i for i, c in enumerate(problems()["Mbpp/3"].tests) if not c.hidden] == [1]
    assert call_input(problems()["Mbpp/3"].tests[1]) == [2]


def test_tuples_sets_and_complex_numbers_survive_as_expressions() -> None:
    first = problems()["Mbpp/2"].tests[0]
    assert first.expr is not None and not first.args
    assert call_input(first) == [(3, 4, 5, 6), (5, 7, 4, 10)]
    assert isinstance(call_input(problems()["Mbpp/252"].tests[-1])[0], complex)
    infinite = [c for c in problems()["Mbpp/404"].tests if c.expr]
    assert infinite and any(math.isinf(v) for c in infinite for v in call_input(c))
    plain = problems()["Mbpp/8"].tests[0]
    assert plain.expr is None and plain.args == [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]


def test_comparison_follows_atol_and_regex_tasks_compare_presence() -> None:
    set_eq = {"Mbpp/2", "Mbpp/7", "Mbpp/111", "Mbpp/140", "Mbpp/232", "Mbpp/249", "Mbpp/579", "Mbpp/769"}
    for task_id, record in records().items():
        comparison = problems()[task_id].comparison
        if task_id in set_eq:  # EvalPlus's MBPP_OUTPUT_SET_EQ_TASKS: order does not count
            assert comparison.mode == "checker" and comparison.checker
            ns: dict[str, Any] = {}
            exec(comparison.checker, ns)
            assert ns["check"]({}, [1, 2, 3], [3, 1, 2]) and not ns["check"]({}, [1, 2], [1, 3])
            continue
        if task_id in ("Mbpp/558", "Mbpp/581"):  # EvalPlus's special oracles: an alternative answer counts too
            assert comparison.mode == "checker" and comparison.checker
            ns = {}
            exec(comparison.checker, ns)
            a, b = (123, 45) if task_id == "Mbpp/558" else (3, 4)
            reference: dict[str, Any] = {}
            exec(problems()[task_id].reference or "", reference)
            expected = reference[problems()[task_id].entry_point](a, b)
            assert ns["check"]({"args": [a, b]}, expected, expected)
            assert not ns["check"]({"args": [a, b]}, expected, expected + 1000)
            continue
        # EvalPlus's rule: the task's atol, or 1e-6 for floats when it gives none
        assert (comparison.mode, comparison.atol) == ("float", record["atol"] or 1e-6)
    encoder = problems()["Mbpp/737"].output_encoder
    assert encoder is not None
    ns = {}
    exec(encoder, ns)
    assert (ns["encode"](None), ns["encode"]("match")) == (False, True)
    assert problems()["Mbpp/2"].output_encoder is None


def test_canonical_solutions_run_on_the_visible_inputs() -> None:
    failures = {}
    for problem in problems().values():
        ns: dict[str, Any] = {}
        case = next(c for c in problem.tests if not c.hidden)
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                exec(problem.reference or "", ns)
                ns[problem.entry_point](*call_input(case))
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            failures[problem.id] = repr(exc)
    assert failures == {}


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        -3,
        2.5,
        float("inf"),
        float("-inf"),
        complex(1, -2),
        (),
        (1,),
        [1, (2, "x")],
        set(),
        {1, 2},
        frozenset({3}),
        {"a": (1, 2), 3: [None]},
        b"\x00ab",
    ],
)
def test_to_source_round_trips(value: Any) -> None:
    back = eval(to_source(value), {})
    assert back == value and type(back) is type(value)


def test_nan_source() -> None:
    assert math.isnan(eval(to_source(float("nan")), {}))


def test_data_dir_is_found_from_anywhere_and_explicit_paths_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = data_dir()
    assert (found / MBPPPLUS_FILE).is_file()
    monkeypatch.chdir(tmp_path)
    assert data_dir() == found  # found from the package, not the working directory
    assert data_dir(found) == found
    assert len(load_mbppplus(found / MBPPPLUS_FILE)) == 378
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data_dir(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data_file(MBPPPLUS_FILE, tmp_path)


def test_missing_data_dir_names_the_places_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reward_service.datasets import paths

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(paths, "_PACKAGE_DIR", tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        paths.data_dir()
    assert str(tmp_path / "shared" / "data") in str(info.value)
