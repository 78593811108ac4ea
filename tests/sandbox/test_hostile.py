"""Hostile candidates must not profit: each attack fails, or gains nothing, and harms no later run."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from reward_service.problem import Problem
from reward_service.scoring import Scorer
from reward_service.verdict import Verdict

REFERENCE = "def f(n):\n    return sum(i * i for i in range(n))\n"

PROBLEM = Problem(
    id="hostile/sum-squares",
    entry_point="f",
    reference=REFERENCE,
    tests=[
        {"args": [3], "hidden": False},
        {"args": [10]},
        {"args": [57]},
        {"args": [1000]},
    ],
    performance={"generator": "def generate(scale, seed):\n    return {'args': [scale + seed]}\n", "scale": 3000},
    limits={"time_s": 5, "perf_time_s": 30, "memory_mb": 256},
)

HONEST_LOOP = """
def f(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
"""


def evaluate(scorer: Scorer, code: str) -> Any:
    return scorer.evaluate(PROBLEM, code)


def assert_refused(scorer: Scorer, code: str) -> None:
    """The policy refuses what ``code`` tries, and the next run is unharmed."""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error, m.diagnostic
    assert m.diagnostic.exception == "PolicyViolation", m.diagnostic
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


def test_a_test_past_its_own_time_limit_is_a_timeout_whatever_the_candidate_does(scorer: Scorer) -> None:
    """1.5 s on one test (its limit: 1 s, EvalPlus's rule; the run's: 5 s), after trying every way
    around the per-test limit: ignoring SIGXCPU, raising its own RLIMIT_CPU, rewriting the list of
    limits it can find through the garbage collector. The check after the call still applies."""
    code = """
import gc, resource, signal, time

def f(n):
    if n == 57:
        try:
            signal.signal(signal.SIGXCPU, signal.SIG_IGN)
        except Exception:
            pass
        try:
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        except Exception:
            pass
        for o in gc.get_objects():
            if type(o) is list and o and all(type(x) is float for x in o):
                o[:] = [1e9] * len(o)
        end = time.process_time() + 1.5
        while time.process_time() < end:
            pass
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.timeout and m.diagnostic.test_index == 2, m.diagnostic
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


def test_lru_cache_gains_nothing_across_measured_runs(scorer: Scorer) -> None:
    code = """
from functools import lru_cache

@lru_cache(maxsize=None)
def f(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
"""
    first = evaluate(scorer, code)
    second = evaluate(scorer, code)
    assert first.verdict is Verdict.passed and second.verdict is Verdict.passed
    assert first.instructions == second.instructions  # nothing cached survives a run


def test_module_level_cache_and_files_do_not_survive(scorer: Scorer, honest: int) -> None:
    code = """
import json, os
_CACHE = {}
PATH = "/tmp/cache.json"
if os.path.exists(PATH):
    _CACHE.update({int(k): v for k, v in json.load(open(PATH)).items()})

def f(n):
    if n in _CACHE:
        return _CACHE[n]
    total = 0
    for i in range(n):
        total += i * i
    _CACHE[n] = total
    json.dump({str(k): v for k, v in _CACHE.items()}, open(PATH, "w"))
    return total
"""
    counts = [evaluate(scorer, code).instructions or 0 for _ in range(2)]
    # A cache that survived would halve the second count. (The Docker backend has been
    # seen to differ by 8 instructions in 1.8 million here: see deploy/README.md.)
    assert abs(counts[0] - counts[1]) <= counts[0] * 1e-5
    assert counts[0] >= honest


def test_hard_coded_visible_outputs_fail_hidden_tests(scorer: Scorer) -> None:
    m = evaluate(scorer, "def f(n):\n    return {3: 5}.get(n, 0)\n")
    assert m.verdict is Verdict.wrong_answer
    assert "hidden" in m.diagnostic.message


def test_expected_outputs_are_not_reachable(scorer: Scorer) -> None:
    # Search everything the candidate can see for the hidden expected output of n=57 (60116).
    code = """
import gc, os
def f(n):
    target = 60000 + int("116")  # computed, so it is not a constant of this code
    found = []
    for o in gc.get_objects():
        try:
            if isinstance(o, (list, dict, tuple)) and target in (o.values() if isinstance(o, dict) else o) and o is not found:
                found.append(o)
        except Exception:
            pass
    for root in ("/work", "/root", "/home", "/etc", "/tmp"):
        for d, _, files in os.walk(root):
            for name in files:
                try:
                    if b"60116" in open(os.path.join(d, name), "rb").read():
                        found.append(name)
                except Exception:
                    pass
    if found:
        return target if n == 57 else sum(i * i for i in range(n))
    raise RuntimeError("nothing found")
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    assert m.diagnostic.exception == "RuntimeError"


def test_printing_fake_results_does_nothing(scorer: Scorer) -> None:
    code = """
import json, sys
print(json.dumps({"status": "ok", "outputs": [0, 0, 0, 0]}))
sys.stdout.flush()
def f(n):
    return 0
"""
    assert evaluate(scorer, code).verdict is Verdict.wrong_answer


def forge(make_fake: str, then: str) -> str:
    """A candidate that writes the frame ``make_fake`` builds (as ``fake``) to every descriptor."""
    return f"""
import json, marshal, os, struct
{make_fake}
for fd in range(3, 256):
    try:
        os.write(fd, struct.pack(">I", len(fake)) + fake)
    except OSError:
        pass
{then}
def f(n):
    return 0
"""


def test_writing_fake_frames_to_inherited_descriptors_is_caught(scorer: Scorer) -> None:
    code = forge('fake = json.dumps({"status": "ok", "outputs": [5, 285, 60116, 332833500]}).encode()', "")
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    assert "result" in m.diagnostic.message


def test_fake_frame_then_exit_cannot_pass(scorer: Scorer) -> None:
    # Even a well-formed frame must hold outputs that match expected outputs it never saw.
    code = forge('fake = json.dumps({"status": "ok", "outputs": [0, 0, 0, 0]}).encode()', "os._exit(0)")
    assert evaluate(scorer, code).verdict in (Verdict.wrong_answer, Verdict.runtime_error)


def test_forged_marshal_frames_are_refused(scorer: Scorer) -> None:
    # Metered runs report marshal snapshots; a forged one (a code object inside) is not
    # loaded by marshal but read by a strict reader, and the run fails as the candidate's.
    code = forge('fake = b"M" + marshal.dumps([("M", marshal.dumps(compile("1", "x", "eval"), 2))] * 4, 2)',
                 "os._exit(0)")
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    assert "result" in m.diagnostic.message


@pytest.mark.parametrize("exit_call", ["import os; os._exit(0)", "import sys; sys.exit(0)", "raise SystemExit",
                                       "exit(0)", "quit()"])
def test_exiting_before_the_checks_fails(scorer: Scorer, exit_call: str) -> None:
    assert evaluate(scorer, f"{exit_call}\ndef f(n):\n    return 0\n").verdict is Verdict.runtime_error
    inside = f"def f(n):\n    {exit_call}\n"
    assert evaluate(scorer, inside).verdict is Verdict.runtime_error


def test_calling_the_meter_is_refused(scorer: Scorer, honest: int) -> None:
    code = HONEST_LOOP.replace("    return total", """    import sys
    for name in ("_rsmeter",):
        mod = sys.modules.get(name)
        try:
            mod.start()
        except Exception:
            pass
        try:
            __import__(name).start()
        except Exception:
            pass
    return total""")
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed
    assert m.instructions is not None and m.instructions >= honest


def test_stopping_the_meter_early_is_impossible(scorer: Scorer, honest: int) -> None:
    # Nothing Python can call stops the count: the region is opened and closed by native
    # code, once. Every way in is refused, so the work is counted whole.
    code = """
import sys
def f(n):
    meter = sys.modules["_rsmeter"]
    for name in ("stop", "start", "quiet", "run"):
        try:
            getattr(meter, name)(None, {}, "f", None, [], None, None, 1, -1, True, None) if name == "run" \
                else getattr(meter, name)()
        except Exception:
            pass
    total = 0
    for i in range(n):
        total += i * i
    return total
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed, m.diagnostic
    assert m.instructions is not None and m.instructions >= honest


def test_lazy_output_objects_run_inside_the_count(scorer: Scorer, honest: int) -> None:
    # An int subclass that computes its value only when it is converted for the wire:
    # the conversion happens inside the counted region, so the work is counted.
    code = """
class Lazy(int):
    def __new__(cls, n):
        obj = super().__new__(cls, 0)
        obj.n = n
        return obj
    def __int__(self):
        total = 0
        for i in range(self.n):
            total += i * i
        return total
def f(n):
    return Lazy(n)
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed, m.diagnostic
    assert (m.instructions or 0) >= 0.9 * honest


def test_loading_native_code_is_refused(scorer: Scorer) -> None:
    for attempt in ("import ctypes", "import _ctypes", "import importlib; importlib.import_module('ctypes')"):
        m = evaluate(scorer, f"{attempt}\n{HONEST_LOOP}")
        assert m.verdict is Verdict.runtime_error, attempt
        assert m.diagnostic.exception == "PolicyViolation"


def test_work_in_a_thread_is_counted(scorer: Scorer, honest: int) -> None:
    code = """
import threading
def f(n):
    box = []
    def work():
        total = 0
        for i in range(n):
            total += i * i
        box.append(total)
    t = threading.Thread(target=work)
    t.start()
    t.join()
    return box[0]
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed
    assert m.instructions is not None and m.instructions >= 0.9 * honest


@pytest.mark.parametrize("spawn", [
    "os.fork()",
    "__import__('pty').fork()[0]",
    "__import__('multiprocessing').Process(target=print).start()",
    "__import__('concurrent.futures').futures.ProcessPoolExecutor(1).submit(abs, 1).result()",
])
def test_process_creation_is_refused(scorer: Scorer, spawn: str) -> None:
    # A process killed by a signal (RLIMIT_CPU, say) writes no count, so work hidden in a
    # child could never be accounted for: a run may not create processes at all.
    code = f"""
import os, resource
def f(n):
    pid = {spawn}
    if pid == 0:
        resource.setrlimit(resource.RLIMIT_CPU, (1, 1))
        total = 0
        for i in range(n):
            total += i * i
        os._exit(0)
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error, m.diagnostic
    assert m.diagnostic.exception in ("PolicyViolation", "PermissionError", "OSError"), m.diagnostic
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


def test_running_programs_is_refused(scorer: Scorer) -> None:
    code = "import subprocess\ndef f(n):\n    return int(subprocess.check_output(['python3', '-c', 'print(5)']))\n"
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    m = evaluate(scorer, "import os\ndef f(n):\n    os.system('true')\n    return 0\n")
    assert m.verdict is Verdict.runtime_error


def test_killing_the_zygote_is_refused_and_harms_nobody(scorer: Scorer) -> None:
    code = "import os, signal\ndef f(n):\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 0\n"
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


def test_fork_bomb(scorer: Scorer) -> None:
    code = "import os\ndef f(n):\n    while True:\n        try:\n            os.fork()\n" \
        "        except OSError:\n            pass\n"
    m = evaluate(scorer, code)
    assert m.verdict in (Verdict.runtime_error, Verdict.timeout)
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed  # later runs unharmed


def test_memory_bomb(scorer: Scorer) -> None:
    m = evaluate(scorer, "def f(n):\n    x = []\n    while True:\n        x.append(bytearray(10**7))\n")
    assert m.verdict is Verdict.memory_exceeded


def test_memory_bomb_only_on_the_large_input(scorer: Scorer) -> None:
    # Passes every test, then blows up on the performance input, where valgrind runs it.
    code = "def f(n):\n    if n > 2000:\n        x = [bytearray(10**7) for _ in range(1000)]\n" \
        "    return sum(i * i for i in range(n))\n"
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.memory_exceeded
    assert m.diagnostic.perf_input_index == 0


def test_infinite_loop(scorer: Scorer) -> None:
    m = evaluate(scorer, "def f(n):\n    while True:\n        pass\n")
    assert m.verdict is Verdict.timeout


def test_huge_output(scorer: Scorer) -> None:
    m = evaluate(scorer, "def f(n):\n    while True:\n        print('x' * 100000)\n")
    assert m.verdict is Verdict.runtime_error and m.diagnostic.limit == "output"
    m = evaluate(scorer, "def f(n):\n    return 'x' * (200 * 2**20)\n")
    assert m.verdict in (Verdict.runtime_error, Verdict.memory_exceeded, Verdict.wrong_answer)


@pytest.fixture()
def listener() -> Any:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.settimeout(0.2)
    hits: list[int] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                hits.append(1)
                conn.close()
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1], hits
    stop.set()
    t.join()
    srv.close()


def test_network_is_unreachable(scorer: Scorer, listener: Any) -> None:
    port, hits = listener
    code = f"""
import socket
def f(n):
    s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
    s.close()
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    assert hits == []


def test_writing_outside_scratch_is_refused(scorer: Scorer) -> None:
    code = "def f(n):\n    open('/opt/rs/harness.py', 'w').write('x')\n    return 0\n"
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


def test_rebinding_the_policy_module_changes_nothing(scorer: Scorer) -> None:
    # The rules are C constants in the native helper: rebinding Python names reaches nothing.
    code = """
import builtins, sys
for name in ("policy",):
    mod = sys.modules.get(name)
    if mod is not None:
        for attr in list(vars(mod)):
            if attr.startswith("_") and not attr.startswith("__"):
                try:
                    setattr(mod, attr, frozenset())
                except Exception:
                    pass
builtins.isinstance = lambda *a: False
import os
os.system("true")
""" + HONEST_LOOP
    assert_refused(scorer, code)


def test_no_python_hook_to_find_and_rewrite(scorer: Scorer) -> None:
    # Rewrite every reachable function's closure that names a directory, then write into
    # the meter's directory: the hook is not a Python function, so the write is refused.
    code = """
import gc, os
for obj in gc.get_objects():
    cells = getattr(obj, "__closure__", None) or ()
    for cell in cells:
        try:
            if isinstance(cell.cell_contents, str) and cell.cell_contents.startswith("/"):
                cell.cell_contents = "/"
        except Exception:
            pass
os.makedirs("/meter/callgrind.out.1", exist_ok=True)
""" + HONEST_LOOP
    assert_refused(scorer, code)


def test_directory_descriptors_cannot_reach_outside_scratch(scorer: Scorer) -> None:
    # A descriptor of "/" would let dir_fd calls name paths the hook never sees.
    code = """
import os
root = os.open("/", os.O_RDONLY)
os.open("meter/callgrind.out.1", os.O_WRONLY | os.O_CREAT, dir_fd=root)
""" + HONEST_LOOP
    assert_refused(scorer, code)


def test_native_code_written_to_scratch_cannot_be_loaded(scorer: Scorer) -> None:
    # Copy a real extension module into the scratch directory and load it from there.
    code = """
import _bz2, importlib.util
with open(_bz2.__file__, "rb") as src:
    data = src.read()
with open("_bz2.cpython-311-x86_64-linux-gnu.so", "wb") as dst:
    dst.write(data)
spec = importlib.util.spec_from_file_location("_bz2", "_bz2.cpython-311-x86_64-linux-gnu.so")
importlib.util.module_from_spec(spec)
""" + HONEST_LOOP
    assert_refused(scorer, code)


def test_path_objects_cannot_answer_twice(scorer: Scorer) -> None:
    # A path-like object that names a scratch file once and the meter's file after: the
    # hook and the system call see one conversion, so it either writes in scratch or is
    # refused; nothing reaches the meter's directory (the count would then fail to read).
    shifty = """
class Shifty:
    def __init__(self):
        self.calls = 0
    def __fspath__(self):
        self.calls += 1
        return {first!r} if self.calls == 1 else {then!r}
def f(n):
    with open(Shifty(), "w") as fh:
        fh.write("x")
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, shifty.format(first="x.txt", then="/meter/callgrind.out.1"))
    assert m.verdict is Verdict.passed, m.diagnostic
    m = evaluate(scorer, shifty.format(first="/meter/callgrind.out.1", then="x.txt"))
    assert m.verdict is Verdict.runtime_error
    assert m.diagnostic.exception == "PolicyViolation"


def test_nothing_rebound_runs_after_the_count(scorer: Scorer, honest: int) -> None:
    # Return a cheap placeholder and rebind what the harness would call after stop() to
    # compute the real answer there, uncounted: the harness calls nothing rebindable then.
    code = """
import builtins, marshal, sys
runner, wire = sys.modules["runner"], sys.modules["wire"]
def late(*args, **kwargs):
    total = 0
    for i in range(LATE_N):
        total += i * i
    return str(total)
LATE_N = 0
for mod in (runner, wire):
    for attr in ("_encode_snapshot", "dumps_output", "write_frame_bytes", "write_frame"):
        if hasattr(mod, attr):
            setattr(mod, attr, late)
builtins.str = late
marshal.loads = late
def f(n):
    global LATE_N
    LATE_N = n
    return 0
"""
    m = evaluate(scorer, code)
    assert m.verdict is not Verdict.passed
