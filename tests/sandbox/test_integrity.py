"""Integrity of the measurement: nothing a candidate does forges a count or a verdict, or reaches the host.

One test (or one parameter) per attack, by mechanism, each asserting the verdict the attack
must get. The attacks use what an adversarial policy can reach from Python: the meter module
through ``sys.modules``, the result descriptor, finalizers and hooks that would run after
the count, writable places that could carry state to the next run, the working directory
against ``dir_fd`` (the audit hook resolves a relative path against the first, the kernel
against the second), ``/proc``, and outputs built to be slow or deep to decode.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reward_service.problem import Problem
from reward_service.scoring import Scorer
from reward_service.settings import Settings
from reward_service.verdict import Verdict

from .test_hostile import HONEST_LOOP, PROBLEM, REFERENCE, evaluate

# Opens any path for reading or writing past the audit hook's path check: the hook sees
# /tmp/x/../<path> (inside scratch), the kernel opens /tmp/../<path>.
ANYWHERE = """
import os
def anywhere(path, flags=os.O_RDONLY, mode=0o600):
    os.makedirs("/tmp/x", exist_ok=True)
    os.chdir("/tmp/x")
    root = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
    try:
        return os.open("../" + path.lstrip("/"), flags, mode, dir_fd=root)
    finally:
        os.close(root)
        os.chdir("/tmp")
"""

FORGE = """
import marshal, os, struct
def forge(outputs):
    body = b"C" + marshal.dumps(("ok", [("V", v) for v in outputs], None, None, None, 0, []), 2)
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">I", len(body)) + body)
        except OSError:
            pass
"""


def passes_with_full_count(scorer: Scorer, code: str, honest: int) -> None:
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed, m.diagnostic
    assert m.instructions is not None and m.instructions >= honest, (m.instructions, honest)


# ---------------------------------------------------------------- 1. the counted region
def test_reentering_the_region_is_refused(scorer: Scorer, honest: int) -> None:
    code = """
import sys
def f(n):
    run = sys.modules["_rsmeter"].run
    try:
        run(compile("0", "x", "exec"), {}, "f", None, [], None, str, 1, -1, True, None)
    except PermissionError:
        pass
    return sum(i * i for i in range(n))
"""
    passes_with_full_count(scorer, code, honest)


def test_forged_result_frame_then_exit_is_the_candidates_failure(scorer: Scorer) -> None:
    # A frame forged on every descriptor, then an exit before the native tail: the run
    # never made its count directory, so there is no count: the candidate's failure.
    code = FORGE + """
def f(n):
    forge([sum(i * i for i in range(n))])
    os._exit(0)
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error, m.diagnostic


def test_forged_count_file_is_replaced_by_the_real_one(scorer: Scorer, honest: int) -> None:
    # Plant a tiny count where callgrind will write, through the dir_fd trick: the native
    # tail moves whatever is there aside after the count closed.
    code = ANYWHERE + """
def f(n):
    try:
        os.makedirs("/tmp/x", exist_ok=True)
        os.chdir("/tmp/x")
        root = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
        os.mkdir(".rs-count", dir_fd=root)
        os.chdir("/tmp")
        fd = anywhere("/tmp/.rs-count/callgrind.out." + str(os.getpid()), os.O_WRONLY | os.O_CREAT)
        os.write(fd, b"summary: 5\\ntotals: 5\\n")
        os.close(fd)
    except OSError:
        pass
    total = 0
    for i in range(n):
        total += i * i
    return total
"""
    passes_with_full_count(scorer, code, honest)


@pytest.mark.parametrize("plant", ["file", "fifo", "unwritable-dir"])
def test_blocking_the_count_directory_costs_only_the_candidate(scorer: Scorer, honest: int, plant: str) -> None:
    code = ANYWHERE + f"""
def f(n):
    try:
        os.makedirs("/tmp/x", exist_ok=True)
        os.chdir("/tmp/x")
        root = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
        if {plant!r} == "file":
            os.close(os.open(".rs-count", os.O_WRONLY | os.O_CREAT, 0o400, dir_fd=root))
        elif {plant!r} == "fifo":
            os.mkfifo(".rs-count", dir_fd=root)
        else:
            os.mkdir(".rs-count", 0o000, dir_fd=root)
        os.chdir("/tmp")
    except OSError:
        pass
    return sum(i * i for i in range(n))
"""
    passes_with_full_count(scorer, code, honest)


# ---------------------------------------------------------------- 2. every process accounted for
def test_a_thread_left_running_cannot_act_after_the_count(scorer: Scorer) -> None:
    # Return a placeholder; a daemon thread would compute the answer and forge the frame
    # once f has returned. It never runs again: the tail holds the interpreter until exit.
    code = FORGE + """
import threading
def f(n):
    def late():
        while True:
            forge([sum(i * i for i in range(n))])
    threading.Thread(target=late, daemon=True)
    return 0
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.wrong_answer, m.diagnostic


# ---------------------------------------------------------------- 3. nothing runs after the count
@pytest.mark.parametrize("hook", [
    # a finalizer on an object the output keeps alive, and on module garbage
    "class D:\n    def __del__(self):\n        forge([EXPECTED])\nKEEP = [D()]\nclass E:\n    def __del__(self):\n"
    "        forge([EXPECTED])\nx = E(); x.me = x; del x",
    # at exit, and at the garbage collector's passes
    "import atexit\natexit.register(lambda: forge([EXPECTED]))",
    "import gc\ngc.callbacks.append(lambda *a: forge([EXPECTED]))",
    # a signal handler, a profile hook, a weakref callback
    "import signal\nsignal.signal(signal.SIGALRM, lambda *a: forge([EXPECTED]))\n"
    "signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)",
    "import sys\nsys.setprofile(lambda *a: forge([EXPECTED]))",
    "import weakref\nclass O: pass\nHOLD = O()\nREF = weakref.ref(HOLD, lambda r: forge([EXPECTED]))",
], ids=["del", "atexit", "gc-callback", "signal", "profile", "weakref"])
def test_code_planted_for_after_the_count_never_runs(scorer: Scorer, hook: str) -> None:
    # EXPECTED is the right answer for the last test only: a forged frame would pass it.
    # What runs inside the region (a profile hook sees f return) can at most corrupt its
    # own result channel; nothing runs after it.
    code = FORGE + "EXPECTED = 332833500\n" + hook + "\ndef f(n):\n    return 0\n"
    m = evaluate(scorer, code)
    expected = Verdict.runtime_error if "setprofile" in hook else Verdict.wrong_answer
    assert m.verdict is expected, m.diagnostic


# ---------------------------------------------------------------- 4. no state survives a run
STATEFUL = {
    "dev-shm": """
import os, _posixshmem
def load():
    try:
        return int(os.read(_posixshmem.shm_open("/rs-cache", os.O_RDONLY, 0o600), 32) or 0)
    except (OSError, ValueError):
        return 0
def save(v):
    try:
        os.write(_posixshmem.shm_open("/rs-cache", os.O_CREAT | os.O_RDWR, 0o600), str(v).encode())
    except OSError:
        pass
""",
    "sqlite-shm": """
import sqlite3
def _db():
    return sqlite3.connect("/dev/shm/cache.db")
def load():
    try:
        return _db().execute("select v from c").fetchone()[0]
    except Exception:
        return 0
def save(v):
    try:
        db = _db(); db.execute("create table if not exists c (v)"); db.execute("insert into c values (?)", (v,))
        db.commit()
    except Exception:
        pass
""",
    "locked-scratch-dir": """
import os
def load():
    try:
        return int(open("/tmp/locked/cache").read())
    except OSError:
        return 0
def save(v):
    os.makedirs("/tmp/locked", exist_ok=True)
    open("/tmp/locked/cache", "w").write(str(v))
    for path, mode in (("/tmp/locked/cache", 0), ("/tmp/locked", 0), ("/tmp", 0o500)):
        try:
            os.chmod(path, mode)
        except OSError:  # a container's /tmp is root's
            pass
""",
    "dir-fd-outside": ANYWHERE + """
def load():
    try:
        fd = anywhere("/dev/shm/cache")
        return int(os.read(fd, 32))
    except (OSError, ValueError):
        return 0
def save(v):
    for place in ("/dev/shm/cache", "/cache", "/dev/cache", "/opt/rs/cache"):
        try:
            fd = anywhere(place, os.O_WRONLY | os.O_CREAT)
            os.write(fd, str(v).encode())
        except OSError:
            pass
""",
    "abstract-socket": """
import socket, threading
def load():
    try:
        s = socket.socket(socket.AF_UNIX); s.connect("\\0rs-cache"); return int(s.recv(32))
    except (OSError, ValueError):
        return 0
def save(v):
    try:
        s = socket.socket(socket.AF_UNIX); s.bind("\\0rs-cache"); s.listen(1)
        def serve():
            while True:
                c, _ = s.accept(); c.send(str(v).encode()); c.close()
        threading.Thread(target=serve, daemon=True).start()
    except OSError:
        pass
""",
}


@pytest.mark.parametrize("store", list(STATEFUL), ids=list(STATEFUL))
def test_no_state_reaches_the_next_run(scorer: Scorer, honest: int, store: str) -> None:
    code = STATEFUL[store] + """
def f(n):
    if n >= 1000:
        cached = load()
        if cached:
            return cached
    total = 0
    for i in range(n):
        total += i * i
    if n >= 1000:
        save(total)
    return total
"""
    first, second = evaluate(scorer, code), evaluate(scorer, code)
    assert first.verdict is Verdict.passed and second.verdict is Verdict.passed, (first.diagnostic, second.diagnostic)
    assert first.instructions is not None and second.instructions is not None
    # A cache that survived would skip the loop: the second count would be a fraction of the
    # first. A thread left blocked (the socket store's) makes counts move with thread switches
    # under valgrind, by up to ~0.1%: the bound is on what a surviving cache would save.
    assert abs(first.instructions - second.instructions) <= first.instructions * 1e-2
    assert second.instructions >= honest
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


# ---------------------------------------------------------------- 5. confinement and secrets
def test_other_processes_memory_and_descriptors_are_unreadable(scorer: Scorer) -> None:
    # Every other process of the sandbox (the zygote, which once held the reference's
    # outputs and holds the host's pipes; the template) is non-dumpable: its memory,
    # environment and descriptors are closed to a run, whatever path reaches them. So is
    # writing the run's own memory.
    code = ANYWHERE + """
def f(n):
    got = []
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        for what in ("mem", "environ", "fd/0", "fd/1", "fd/3", "root/etc/hostname", "cwd/x", "maps"):
            for opener in (lambda p: os.open(p, os.O_RDONLY), anywhere):
                try:
                    os.read(opener(f"/proc/{pid}/{what}"), 1)
                    got.append(pid + "/" + what)
                except OSError:
                    pass
    for opener in (lambda p: os.open(p, os.O_RDWR), lambda p: anywhere(p, os.O_RDWR)):
        try:
            opener("/proc/self/mem")
            got.append("self/mem")
        except OSError:
            pass
    if got:
        raise ValueError(",".join(got))
    raise RuntimeError("closed")
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error, m.diagnostic
    assert m.diagnostic.exception == "RuntimeError", m.diagnostic


def test_writing_outside_scratch_fails_even_past_the_hook(scorer: Scorer) -> None:
    code = ANYWHERE + """
def f(n):
    wrote = []
    for place in ("/opt/rs/harness.py", "/usr/lib/x", "/x", "/dev/shm/x", "/dev/x", "/etc/x"):
        try:
            os.write(anywhere(place, os.O_WRONLY | os.O_CREAT), b"x")
            wrote.append(place)
        except OSError:
            pass
    if wrote:
        return sum(i * i for i in range(n))
    raise RuntimeError("nothing writable")
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error
    assert m.diagnostic.exception == "RuntimeError", m.diagnostic


def test_canary_secrets_never_reach_a_result(settings: Settings, tmp_path_factory: pytest.TempPathFactory,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "rs-canary-" + os.urandom(8).hex()
    monkeypatch.setenv("REWARD_API__TOKENS", f'["{secret}"]')
    monkeypatch.setenv("RS_CANARY", secret)
    secret_file = Path("/root/.rs-canary") if os.geteuid() == 0 else Path.home() / ".rs-canary"
    secret_file.write_text(secret)
    code = ANYWHERE + """
def f(n):
    found = [os.environ.get(k, "") for k in os.environ]
    for path in ["/proc/%s/environ" % p for p in os.listdir("/proc") if p.isdigit()] + [
            "/root/.rs-canary", "/home/.rs-canary", "/proc/self/environ", "/proc/1/cmdline"]:
        for opener in (lambda p: os.open(p, os.O_RDONLY), anywhere):
            try:
                found.append(os.read(opener(path), 4096).decode(errors="replace"))
            except OSError:
                pass
    raise RuntimeError(" ".join(found)[:190])
"""
    data = Path(tmp_path_factory.mktemp("canary"))
    try:
        with Scorer(settings.model_copy(update={"data_dir": data})) as fresh:
            m = fresh.evaluate(PROBLEM, code)
            assert m.verdict is Verdict.runtime_error
            assert secret not in repr(m)
            logs = "".join(p.read_text(errors="replace") for p in Path(fresh.sandbox._root).glob("*.log"))  # type: ignore[attr-defined]
            assert secret not in logs
    finally:
        secret_file.unlink(missing_ok=True)


# ---------------------------------------------------------------- 6. forged infrastructure errors
@pytest.mark.parametrize("attack", [
    # the harness's own failure report, written by the candidate
    "import os, json, struct\ndef f(n):\n    body = json.dumps({'harness_error': 'x'}).encode()\n"
    "    for fd in range(3, 64):\n        try:\n            os.write(fd, struct.pack('>I', len(body)) + body)\n"
    "        except OSError:\n            pass\n    os._exit(0)\n",
    # rebinding what the harness used to call after the candidate
    "import sys\nfor m in ('runner', 'protocol', 'wire'):\n    mod = sys.modules.get(m)\n"
    "    for a in dir(mod):\n        if not a.startswith('__'):\n            try:\n                setattr(mod, a, None)\n"
    "            except Exception:\n                pass\ndef f(n):\n    raise RuntimeError('harness_error')\n",
    # a module that compiles only as far as the parser: the compiler refuses it
    "return 5\ndef f(n):\n    return 0\n",
    # exit codes and signals the harness itself might use
    "import os\ndef f(n):\n    os._exit(4)\n",
    "import signal\ndef f(n):\n    signal.raise_signal(signal.SIGKILL)\n",
    "import faulthandler\ndef f(n):\n    faulthandler._sigsegv()\n",
    "import os, resource\ndef f(n):\n    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))\n    return 0\n",
], ids=["harness-frame", "rebind-harness", "compile-error", "exit-4", "sigkill", "sigsegv", "no-descriptors"])
def test_failures_the_candidate_causes_are_never_null(scorer: Scorer, attack: str) -> None:
    m = evaluate(scorer, attack)
    assert m.verdict in (Verdict.runtime_error, Verdict.wrong_answer), m.diagnostic
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


# ---------------------------------------------------------------- 7, 8. hostile decoding
@pytest.mark.parametrize("output", ["nest(600)", "nest(100_000)", "[nest(250)]"],
                         ids=["deep-600", "deep-100k", "deep-250"])
def test_deep_outputs_are_the_candidates_failure(scorer: Scorer, output: str) -> None:
    code = f"""
import sys
sys.setrecursionlimit(200_000)
def nest(d):
    x = []
    for _ in range(d):
        x = [x]
    return x
def f(n):
    return {output}
"""
    m = evaluate(scorer, code)
    assert m.verdict in (Verdict.wrong_answer, Verdict.runtime_error), m.diagnostic
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed


NESTED = """
def f(n):
    return [[i, (i, str(i)), {i: [i, ()], (i, "k"): {i: (None, True)}}, {i, (i, 1.5)}, frozenset({b"x", i}), [], (),
             i * 0.5, 1j, [[[]]]] for i in range(n)]
"""


def test_finalizers_cannot_change_an_output_while_it_is_copied(scorer: Scorer) -> None:
    # A metered output is copied inside the count, allocating as it goes. Garbage the
    # candidate left for the collector would, if collected then, run its finalizers
    # mid-copy: here they empty every container of the output (a copy that went on
    # reading them would read freed memory, a crash, or copy part of the output). No
    # collection runs during the copy, so the copy is of the output as returned.
    code = NESTED.replace("def f(", "def f0(") + """
import gc
held = []
class Bomb:
    def __init__(self):
        self.me = self
    def __del__(self):
        for box in held:
            box.clear()
        held.clear()
def f(n):
    out = f0(n)
    if n >= 3000:
        held[:] = [out] + out + [row[2] for row in out] + [row[3] for row in out]
        gc.disable()
        for _ in range(5000):
            Bomb()
        held.append([[] for _ in range(300)])  # no free list entry left: the next list is a fresh allocation
        gc.set_threshold(1)
        gc.enable()
    return out
"""
    problem = Problem(id="hostile/nested", entry_point="f", reference=NESTED, tests=[{"args": [3]}, {"args": [40]}],
                      performance=PROBLEM.performance, limits={"time_s": 5, "perf_time_s": 30, "memory_mb": 256})
    honest = scorer.evaluate(problem, NESTED)
    assert honest.verdict is Verdict.passed and honest.instructions, honest.diagnostic
    m = scorer.evaluate(problem, code)
    assert m.verdict is Verdict.passed, m.diagnostic
    assert (m.instructions or 0) > honest.instructions


# Integers that all hash to 0 (2**61 - 1 is the modulus of int hashing). Building such a set
# costs the candidate quadratic time inside its own limits; a frame forged with them costs it
# nothing, and must not cost the service more than linear-logarithmic time to decode.
COLLIDING = "tuple(k * (2**61 - 1) for k in range(1, 120_001))"


@pytest.mark.parametrize("snapshot", [
    f'("Z", (b"S" + struct.pack("<I", 120_000) + b"v" * 120_000, list({COLLIDING})))',
    f'("M", marshal.dumps([frozenset({COLLIDING}[:3])] * 2, 2))',
    f'("M", b"{{" + b"".join(marshal.dumps(k, 2) + b"N" for k in {COLLIDING}) + b"0")',
    f'("J", "{{\\"__set__\\":[" + ",".join(map(str, {COLLIDING})) + "]}}")',
    f'("J", "{{\\"__dict__\\":[" + ",".join("[%d,1]" % k for k in {COLLIDING}) + "]}}")',
], ids=["set", "nested-frozenset", "dict", "json-set", "json-dict"])
def test_colliding_outputs_decode_within_limits(scorer: Scorer, snapshot: str) -> None:
    code = FORGE.replace('[("V", v) for v in outputs]', "outputs") + f"""
def f(n):
    forge([{snapshot}] * 4)
    os._exit(0)
"""
    started = time.monotonic()
    m = evaluate(scorer, code)
    assert m.verdict in (Verdict.wrong_answer, Verdict.runtime_error), m.diagnostic
    assert time.monotonic() - started < 30, "decoding took quadratic time"
    honest_started = time.monotonic()
    assert evaluate(scorer, REFERENCE).verdict is Verdict.passed
    assert time.monotonic() - honest_started < 30  # the next honest request is not held up


def test_forged_deep_json_frame_is_the_candidates_failure(scorer: Scorer) -> None:
    code = FORGE.replace('[("V", v) for v in outputs]', '[("J", "[" * 100000 + "]" * 100000)]') + """
def f(n):
    forge([0])
    os._exit(0)
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error, m.diagnostic


# ---------------------------------------------------------------- caller-supplied code stays in the sandbox
def test_a_malicious_checker_runs_in_the_sandbox(scorer: Scorer, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    checker = f"""
import os
def check(inp, expected, actual):
    for path in ({str(marker)!r}, "/tmp/pwned"):
        try:
            open(path, "w").write(os.environ.get("RS_CANARY", "") + repr(inp))
        except OSError:
            pass
    return inp["args"][0] != 57 or expected == actual
"""
    problem = Problem(id="hostile/checker", entry_point="f", reference=REFERENCE, tests=PROBLEM.tests,
                      comparison={"mode": "checker", "checker": checker}, limits={"time_s": 5})
    m = scorer.evaluate(problem, "def f(n):\n    return -1\n", measure=False)
    assert not marker.exists()  # nothing of the host is reachable from a checker
    assert m.verdict is Verdict.wrong_answer  # it saw the real input (57): the only one it judges
    assert m.diagnostic.test_index == 2
    assert scorer.evaluate(problem, REFERENCE, measure=False).verdict is Verdict.passed


def test_a_checker_sees_generated_performance_inputs(scorer: Scorer) -> None:
    # The checker is given the input it judges: the test's, and the generator's (3000 + seed 7).
    checker = "def check(inp, expected, actual):\n    return inp['args'][0] in (10, 3007) and expected == actual\n"
    problem = Problem(id="hostile/checker-perf", entry_point="f", reference=REFERENCE, tests=[{"args": [10]}],
                      comparison={"mode": "checker", "checker": checker},
                      performance={"generator": PROBLEM.performance.generator if PROBLEM.performance else None,
                                   "scale": 3000, "seeds": [7]},
                      limits={"time_s": 5, "perf_time_s": 30, "memory_mb": 256})
    m = scorer.evaluate(problem, HONEST_LOOP)
    assert m.verdict is Verdict.passed, m.diagnostic
    assert m.instructions is not None


@pytest.mark.parametrize("statement", [
    "import collections", "from collections import Counter, deque", "from heapq import heappush, heappop",
    "import bisect", "from itertools import accumulate", "from functools import lru_cache, reduce", "import math",
    "from math import gcd, inf", "import re", "import string", "import operator", "from array import array",
    "from typing import List, Optional", "from dataclasses import dataclass", "import threading", "import random",
    "from fractions import Fraction", "import decimal", "from statistics import mean",
])
def test_importing_the_standard_library_costs_next_to_nothing(scorer: Scorer, honest: int, statement: str) -> None:
    # at most a few instructions: the module's leading imports run just before the count opens
    m = evaluate(scorer, f"{statement}\n" + HONEST_LOOP)
    assert m.verdict is Verdict.passed
    assert m.instructions is not None
    assert abs(m.instructions - honest) <= 200, (statement, m.instructions, honest)


@pytest.mark.parametrize("items", ["i + 0.5", "(i, i)"])
def test_inputs_allocated_before_the_count_do_not_move_it(scorer: Scorer, items: str) -> None:
    # The run decodes its input before the count opens: 30,000 pairs put the pool of the
    # loop's ints on the other side of its arena's 1 MiB boundary, where a free asks the
    # allocator's radix tree in more instructions, and the loop counted 2.2% more
    # (_rsmeter.c, fresh_pools: arenas are aligned, and each class starts from a fresh pool).
    def count(scale: int) -> int | None:
        generator = f"def generate(scale, seed):\n    return {{'args': [3000, [{items} for i in range(scale)]]}}\n"
        problem = Problem(id=f"heap/{items}/{scale}", entry_point="f", tests=[{"args": [3, []]}],
                          reference="def f(n, pad):\n    return sum(i * i for i in range(n))\n",
                          performance={"generator": generator, "scale": scale},
                          limits={"time_s": 5, "perf_time_s": 30, "memory_mb": 256})
        m = scorer.evaluate(problem, HONEST_LOOP.replace("def f(n):", "def f(n, pad):"))
        assert m.verdict is Verdict.passed, m.diagnostic
        return m.instructions

    counts = {scale: count(scale) for scale in (1, 300, 30_000)}
    assert len(set(counts.values())) == 1, counts


def test_imports_after_code_and_of_other_modules_are_counted(scorer: Scorer, honest: int) -> None:
    # only a module's leading standard-library imports leave the count; a late import is work
    m = evaluate(scorer, "X = 1\nfrom collections import Counter\n" + HONEST_LOOP)
    assert m.instructions is not None and m.instructions > honest + 1000
    m = evaluate(scorer, "import ctypes\n" + HONEST_LOOP)  # hoisted or not, the policy refuses it
    assert m.verdict is Verdict.runtime_error and m.diagnostic.exception == "PolicyViolation"

