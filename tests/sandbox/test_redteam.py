"""Red-team findings: attacks that worked once, each kept as a test of its defence.

Each test is also collected by ``test_qemu_hostile.py`` (the same attacks counted by QEMU).
"""

from __future__ import annotations

import marshal
import time
from typing import Any

import pytest

from reward_service.problem import Problem
from reward_service.sandbox.protocol import Reader
from reward_service.scoring import Scorer
from reward_service.verdict import Verdict

from .test_hostile import PROBLEM, REFERENCE, evaluate


def checker_problem(pid: str, **extra: Any) -> Problem:
    """The hostile suite's problem, judged by a checker: the candidate's outputs travel in full."""
    checker = "def check(inp, expected, actual):\n    return expected == actual\n"
    return Problem(id=pid, entry_point="f", reference=REFERENCE, tests=PROBLEM.tests,
                   comparison={"mode": "checker", "checker": checker}, **extra)

# A count planted where the meter writes, a result frame forged on every descriptor (the
# right answer: computed honestly, at full cost), then the run ends before the native tail,
# which would have moved the plant aside. Under callgrind the plant is read-only, so
# valgrind cannot write the real count over it at exit (it exits with status 1); under QEMU
# the plugin writes nothing for a count that was never closed. Both meters reported 7
# instructions for the honest loop (1.6M) before the fix.
PLANT_AND_LEAVE = """
import os, marshal, signal, struct
MODE = os.environ.get("RS_MODE", "plain")
def plant_and_leave(answer):
    os.makedirs("/tmp/x/.rs-count", exist_ok=True)  # what the audit hook resolves the paths against
    os.chdir("/tmp/x")
    root = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)  # ... and what the kernel resolves them against
    try:
        os.mkdir(".rs-count", dir_fd=root)
    except FileExistsError:
        pass
    name = ("callgrind.out." if MODE == "callgrind" else "qemu.") + str(os.getpid())
    fd = os.open(".rs-count/" + name, os.O_WRONLY | os.O_CREAT, 0o400, dir_fd=root)
    os.write(fd, b"summary: 7\\ntotals: 7\\n")
    os.close(fd)
    os.chdir("/tmp")
    body = b"C" + marshal.dumps(("ok", [("V", answer)], None, None, None, 0, []), 2)
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">I", len(body)) + body)
        except OSError:
            pass
    LEAVE
def f(n):
    total = 0
    for i in range(n):
        total += i * i
    if MODE in ("callgrind", "qemu"):
        plant_and_leave(total)
    return total
"""


@pytest.mark.parametrize("leave", ["os._exit(0)", "signal.raise_signal(signal.SIGKILL)"], ids=["exit-0", "sigkill"])
def test_a_count_planted_before_leaving_the_region_early_is_no_count(scorer: Scorer, honest: int, leave: str) -> None:
    m = evaluate(scorer, PLANT_AND_LEAVE.replace("LEAVE", leave))
    assert m.verdict is Verdict.runtime_error, (m.verdict, m.instructions, m.diagnostic)
    assert m.instructions is None


# Stores that outlived the run: the scratch directory itself is never removed (only its
# entries), and the sandbox's network namespace lives as long as the zygote. Each store
# holds the answer for the large input; the second response (another text, so not the
# first's cached result) returned it without the work: 10k instructions instead of 1.6M.
STORES = {
    "xattr": """
import os
def load(n):
    try:
        return int(os.getxattr("/tmp", "user.rs%d" % n))
    except (OSError, ValueError):
        return None
def save(n, v):
    try:
        os.setxattr("/tmp", "user.rs%d" % n, str(v).encode())
    except OSError:
        pass
""",
    "atime": """
import os
BASE = 5 << 60  # in the future: readdir leaves such an access time alone
def load(n):
    a = os.stat("/tmp").st_atime_ns - BASE
    return a & ((1 << 40) - 1) if a >= 0 and a >> 40 == n else None
def save(n, v):
    try:
        os.utime("/tmp", ns=(BASE + (n << 40) + v, os.stat("/tmp").st_mtime_ns))
    except OSError:
        pass
""",
    "tcp-time-wait": """
import socket
def load(n):
    v = 0
    for i in range(48):  # a port a closed connection left in TIME_WAIT cannot be bound
        try:
            s = socket.socket()
        except OSError:
            return None
        try:
            s.bind(("127.0.0.1", 40000 + i))
        except OSError:
            v |= 1 << i
        s.close()
    return v & ((1 << 36) - 1) if v and v >> 36 == n & 0xFFF else None
def save(n, v):
    try:
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", 39999))
        lst.listen(64)
        bits = (n & 0xFFF) << 36 | v
        for i in range(48):
            if bits >> i & 1:
                c = socket.socket()
                c.bind(("127.0.0.1", 40000 + i))
                c.connect(("127.0.0.1", 39999))
                a, _ = lst.accept()
                c.close()
                a.close()
    except OSError:
        pass
""",
    # the times of the pipe every run inherited, when one result pipe served every run
    "pipe-times": """
import os, stat
BASE = 5 << 60
def _pipes():
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                yield fd
        except OSError:
            pass
def load(n):
    for fd in _pipes():
        a = os.fstat(fd).st_atime_ns - BASE
        if a >= 0 and a >> 40 == n:
            return a & ((1 << 40) - 1)
    return None
def save(n, v):
    for fd in _pipes():
        try:
            os.utime(fd, ns=(BASE + (n << 40) + v, os.fstat(fd).st_mtime_ns))
        except OSError:
            pass
""",
}


@pytest.mark.parametrize("store", list(STORES), ids=list(STORES))
def test_nothing_left_on_the_scratch_directory_or_the_network_reaches_the_next_run(
        scorer: Scorer, honest: int, store: str) -> None:
    code = STORES[store] + """
def f(n):
    cached = load(n)
    if cached is not None:
        return cached
    total = 0
    for i in range(n):
        total += i * i
    if total < 1 << 36:
        save(n, total)
    return total
"""
    for again in range(2):
        m = evaluate(scorer, code + f"# response {again}\n")
        assert m.verdict is Verdict.passed, m.diagnostic
        assert m.instructions is not None and m.instructions >= 0.9 * honest, (again, m.instructions, honest)


def test_a_huge_integer_output_decodes_in_linear_time() -> None:
    # The zygote reads every run's snapshots: a 400 KB integer took it 16 s (quadratic), so an
    # output of the output limit's size (128 MiB) held it past the host's deadline: the
    # candidate's wrong answer became a SandboxError (reward null) after minutes, twice.
    value = (1 << (15 * 2_000_000)) - 1  # 4 MB of marshal: ~30 min before the fix
    data = marshal.dumps(value, 2)
    started = time.monotonic()
    assert Reader(data).value() == value
    assert time.monotonic() - started < 10.0


def test_a_frame_written_by_the_candidate_is_never_the_result(scorer: Scorer) -> None:
    # 1.5 s on one test (its own limit: 1 s), then a frame of its own with every test's right
    # answer (the inputs are reachable through gc), and an exit before the native tail, whose
    # check after the call would have made it a timeout. The unmetered test run has no count
    # to miss: it passed before the run's frame carried a token the candidate cannot read.
    code = """
import gc, marshal, os, struct, time
def honest(n):
    return sum(i * i for i in range(n))
def f(n):
    if n == 57 and os.environ.get("RS_MODE") == "plain":
        t = time.process_time()
        while time.process_time() - t < 1.5:
            pass
        calls = next(o for o in gc.get_objects() if type(o) is list and o and all(
            type(c) is tuple and len(c) == 2 and type(c[0]) is tuple and type(c[1]) is dict for c in o))
        outs = [("V", honest(*args, **kw)) for args, kw in calls]
        body = b"C" + marshal.dumps(("ok", outs, None, None, None, 0, []), 2)
        for fd in range(3, 64):
            try:
                os.write(fd, struct.pack(">I", len(body)) + body)
            except OSError:
                pass
        os._exit(0)
    return honest(n)
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error, (m.verdict, m.diagnostic)


# A large output travels as a digest (over 20 000 items); a digest that decides nothing
# makes the judge rerun the candidate unmetered, without digests.
BIG_OUTPUT = Problem(
    id="redteam/squares-list",
    entry_point="f",
    reference="def f(n):\n    return [i * i for i in range(n)]\n",
    tests=[{"args": [3], "hidden": False}, {"args": [10]}, {"args": [100]}],
    performance={"generator": "def generate(scale, seed):\n    return {'args': [scale + seed]}\n", "scale": 30_000},
    limits={"time_s": 5, "perf_time_s": 30, "memory_mb": 256},
)


def test_the_metered_runs_own_output_is_judged_not_a_reruns(scorer: Scorer) -> None:
    # The metered run returns an empty list: no digest against the reference's digest,
    # undecided, so the judge reran the candidate (unmetered, where it computes the answer)
    # and judged the rerun's output while keeping the metered run's count: passed with
    # 9.4k instructions where the honest loop takes 12.1M (callgrind; 9.6k / 12.2M on qemu).
    honest = "def f(n):\n    out = []\n    for i in range(n):\n        out.append(i * i)\n    return out\n"
    m = scorer.evaluate(BIG_OUTPUT, honest)
    assert m.verdict is Verdict.passed, m.diagnostic
    code = """
import os
def f(n):
    if os.environ.get("RS_MODE") in ("callgrind", "qemu"):
        return []
    return [i * i for i in range(n)]
"""
    m = scorer.evaluate(BIG_OUTPUT, code)
    assert m.verdict is Verdict.wrong_answer, (m.verdict, m.instructions, m.diagnostic)


def test_outputs_that_escape_past_any_report_are_the_candidates_output_limit(scorer: Scorer) -> None:
    # A checker needs outputs in full (no digest). 45 MB of "\x01" is a 45 MB result frame,
    # but 270 MB of JSON in the zygote's report: past what the host reads, a SandboxError
    # (reward null, and retried) instead of the candidate's failure.
    problem = checker_problem("redteam/checker-escapes", performance=PROBLEM.performance,
                              limits={"time_s": 5, "perf_time_s": 30, "memory_mb": 256})
    code = """
def f(n):
    if n >= 3000:
        return "\\x01" * 45_000_000
    return sum(i * i for i in range(n))
"""
    m = scorer.evaluate(problem, code)
    assert m.verdict is Verdict.runtime_error, (m.verdict, m.diagnostic)
    assert m.diagnostic.limit == "output"


def test_an_output_too_large_for_the_checkers_run_is_the_candidates_failure(scorer: Scorer) -> None:
    # 40 MB of quotes on one test: JSON-escaped into the checker's source, then again into
    # its request (8 bytes a quote), 320 MB: more than a zygote reads. The zygote died on it,
    # twice: a SandboxError (reward null) for a wrong answer.
    problem = checker_problem("redteam/checker-quotes", limits={"time_s": 5, "memory_mb": 256})
    code = """
def f(n):
    if n == 1000:
        return '"' * 40_000_000
    return sum(i * i for i in range(n))
"""
    m = scorer.evaluate(problem, code, measure=False)
    assert m.verdict is Verdict.wrong_answer, (m.verdict, m.diagnostic)
    assert m.diagnostic.test_index == 3


def test_files_past_the_scratch_inode_budget_are_the_candidates_output_limit(scorer: Scorer) -> None:
    # Empty directories take no space from the scratch file system's size limit, but each is
    # ~1 KiB of the host's kernel memory that no limit of the run counted: millions fit in
    # a tmpfs (half the host's memory pages), tens of thousands a second.
    code = """
import os
def f(n):
    if n == 1000:
        os.mkdir("/tmp/d")
        for k in range(300_000):
            os.mkdir("/tmp/d/%d" % k)
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.runtime_error, (m.verdict, m.diagnostic)
    assert m.diagnostic.limit == "output"


def test_memory_outside_the_runs_limit_is_refused(scorer: Scorer) -> None:
    # memfds: their pages are in no address space (RLIMIT_AS), and only each one's size is
    # limited (RLIMIT_FSIZE, the output limit): a run limited to 256 MB held 1 GiB in 8 of
    # them (64 descriptors: 8 GiB), and could keep a table larger than its limit there.
    code = """
import os
def f(n):
    if n >= 3000:
        held = []
        try:
            for i in range(4):
                fd = os.memfd_create("m%d" % i)
                os.write(fd, bytes(64 << 20))
                held.append(fd)
        except OSError:
            pass
        if len(held) == 4:
            return -1  # held 256 MiB past the run's limit
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed, (m.verdict, m.diagnostic)


def test_a_run_cannot_change_its_own_scheduling(scorer: Scorer) -> None:
    # A run that made itself SCHED_IDLE (or nice 19) on a busy machine gets almost no CPU
    # while runnable: its endless loop would outlast the wall watch's overload bound, and be
    # reported as the machine's overload (a null reward, masked) instead of its own CPU limit
    # (0.0). Every call that changes the run's priority, policy or CPUs is refused, in the
    # correctness runs and the metered one alike.
    code = """
import os
def f(n):
    changed = []
    for name, call in [
        ("nice", lambda: os.nice(19)),
        ("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, 0, 19)),
        ("sched_setscheduler", lambda: os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))),
        ("sched_setparam", lambda: os.sched_setparam(0, os.sched_param(0))),
        ("sched_setaffinity", lambda: os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})),
    ]:
        try:
            call()
            changed.append(name)
        except OSError:
            pass
    if changed:
        return changed  # a wrong answer: the run changed its scheduling
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed, (m.verdict, m.diagnostic)
    assert m.instructions is not None


# The wire encoder a run hands its outputs to is the run's own module: the candidate can
# rebind what it calls (``wire.dumps``, ``wire._emit``) and make its output any JSON text
# whose objects start with a tag. Integers that all hash to 0 (2**61 - 1 is the modulus of
# int hashing), as a set nested in a tuple or a complex number: the zygote decoded the
# nested body with the hashing decoder (a real set: quadratic, ~70 s for these 120k), past
# the host's deadline: a SandboxError (null, and retried) for a wrong answer.
#: Python expressions the candidate evaluates (its source stays small)
_COLLIDING = "(k * (2**61 - 1) for k in range(1, 120_001))"
COLLIDING_SET = """'{"__set__":[' + ",".join(map(str, """ + _COLLIDING + """)) + ']}'"""
COLLIDING_DICT = """'{"__dict__":[' + ",".join("[%d,1]" % k for k in """ + _COLLIDING + """) + ']}'"""
REBIND_WIRE = """
import sys
wire = sys.modules["wire"]
FIRST, RERUN = FIRST_TEXT, RERUN_TEXT
sent = []
def fake_dumps(value, *rest):  # called by wire.dumps_output: the first output as FIRST, the others as they are
    sent.append(1)
    return FIRST if len(sent) == 1 else repr(value)
def fake_emit(value, write, depth):  # wire.dumps itself: a rerun without digests
    sent.append(1)
    write(RERUN if len(sent) == 1 else repr(value))
wire.dumps = fake_dumps  # what wire.dumps_output calls
wire._emit = fake_emit
def f(n):
    return sum(i * i for i in range(n))
"""


@pytest.mark.parametrize("text", [
    """'{"__tuple__":[' + """ + COLLIDING_SET + """ + ']}'""",
    """'{"__complex__":[' + """ + COLLIDING_SET + """ + ',0]}'""",
    """'{"__tuple__":[' + """ + COLLIDING_DICT + """ + ']}'""",
], ids=["set-in-tuple", "set-in-complex", "dict-in-tuple"])
def test_nested_colliding_output_text_decodes_within_limits(scorer: Scorer, text: str) -> None:
    code = REBIND_WIRE.replace("FIRST_TEXT", text).replace("RERUN_TEXT", text)
    started = time.monotonic()
    m = evaluate(scorer, code)
    assert m.verdict in (Verdict.wrong_answer, Verdict.runtime_error), (m.verdict, m.diagnostic)
    assert time.monotonic() - started < 30, "decoding took quadratic time"


def test_a_rerun_output_is_checked_against_its_digest_without_hashing(scorer: Scorer) -> None:
    # A forged digest first (undecided: the judge reruns without digests), then a set of
    # colliding integers from the rerun: the host (the service itself, not the sandbox)
    # rebuilt it as a real set to recompute its digest, ~70 s of the host's CPU per output.
    code = REBIND_WIRE.replace("FIRST_TEXT", repr('{"__digest__":["' + "0" * 64 + '",1]}')).replace(
        "RERUN_TEXT", COLLIDING_SET)
    started = time.monotonic()
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.wrong_answer, (m.verdict, m.diagnostic)
    assert time.monotonic() - started < 30, "the host's digest check took quadratic time"


def test_a_problem_metered_on_its_tests_judges_the_metered_runs_outputs(scorer: Scorer) -> None:
    # No performance inputs: the tests themselves are metered, in a run of their own after
    # the correctness run. Only performance inputs' outputs were compared, so a run that
    # tells the metered run apart (its environment, its speed) returned anything there:
    # passed with 23k instructions where the honest loop takes 11.5M (callgrind).
    problem = Problem(id="redteam/tests-metered", entry_point="f",
                      reference="def f(n):\n    return sum(i * i for i in range(n))\n",
                      tests=[{"args": [3], "hidden": False}, {"args": [10]}, {"args": [20_000]}],
                      limits={"time_s": 5, "memory_mb": 256})
    honest = "def f(n):\n    total = 0\n    for i in range(n):\n        total += i * i\n    return total\n"
    m = scorer.evaluate(problem, honest)
    assert m.verdict is Verdict.passed and m.instructions, m.diagnostic
    code = "import os\n" + honest.replace(
        "    total = 0\n", "    if os.environ.get('RS_MODE') in ('callgrind', 'qemu'):\n        return 0\n    total = 0\n")
    m = scorer.evaluate(problem, code)
    assert m.verdict is Verdict.wrong_answer, (m.verdict, m.instructions, m.diagnostic)


@pytest.mark.parametrize("mutate", [
    "calls.clear()", "calls[1:] = [5] * (len(calls) - 1)", "calls[1:] = [[1, 2, 3]] * (len(calls) - 1)",
    "calls[1:] = [((7,), {})] * (len(calls) - 1)",
], ids=["emptied", "ints", "lists", "other-inputs"])
def test_the_calls_list_changed_by_the_candidate_changes_nothing(scorer: Scorer, mutate: str) -> None:
    # The native region read call i from the list it was given at every call, after the
    # candidate had run: emptied, it read freed memory (SIGSEGV); an int or a list in a
    # call's place was read as an arguments tuple (SIGABRT; a list's item array as an object
    # is the start of a type confusion inside the harness); other calls ran on other inputs.
    code = """
import gc
def f(n):
    calls = next((o for o in gc.get_objects() if type(o) is list and len(o) > 1 and all(
        type(c) is tuple and len(c) == 2 and type(c[0]) is tuple and type(c[1]) is dict for c in o)), None)
    if calls is not None:
        MUTATE
    return sum(i * i for i in range(n))
""".replace("MUTATE", mutate)
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed, (m.verdict, m.diagnostic)


def _capture_names(n: int) -> list[str]:
    """n distinct short identifiers (no keywords)."""
    import itertools
    import keyword
    import string

    letters = string.ascii_letters
    names = (a + "".join(rest) for size in (1, 2, 3) for a in letters
             for rest in itertools.product(letters + string.digits, repeat=size - 1))
    return list(itertools.islice((x for x in names if not keyword.iskeyword(x)), n))


def test_a_source_slow_to_compile_is_the_candidates_cost(scorer: Scorer) -> None:
    # A sequence pattern of 24,000 capture names: CPython checks each new name against the
    # list of those before it, so compiling these 95 KB takes minutes, and the zygote
    # compiled every candidate itself (natively, uncounted, before the run's clock): it
    # missed the host's deadline, twice, a SandboxError (reward null) for a program whose
    # own run would have been a timeout at most.
    code = ("def f(n):\n    return sum(i * i for i in range(n))\n"
            "def g(x):\n    match x:\n        case [" + ",".join(_capture_names(24_000)) + "]:\n            pass\n")
    assert len(code) < 100_000
    started = time.monotonic()
    m = evaluate(scorer, code)
    assert m.verdict in (Verdict.timeout, Verdict.memory_exceeded, Verdict.runtime_error), (m.verdict, m.diagnostic)
    assert time.monotonic() - started < 60
    assert evaluate(scorer, "def f(n):\n    return sum(i * i for i in range(n))\n").verdict is Verdict.passed


def test_a_descriptors_owner_cannot_be_another_process(scorer: Scorer) -> None:
    # F_SETOWN names the process that gets a descriptor's SIGIO once I/O is ready, and the
    # kernel allows any process of the same user. The template (the run's parent), owner of
    # a pipe the run wrote to, died of SIGIO; the zygote then died reading its report: a
    # SandboxError (reward null, and retried) for a wrong answer.
    code = """
import os, fcntl
def f(n):
    for target in (os.getppid(), -os.getpgid(os.getppid()), -1, 1):
        for cmd, arg in ((fcntl.F_SETOWN, target), (fcntl.F_SETSIG, 9), (15, b"\\\\0" * 8)):
            try:
                r, w = os.pipe()
                fcntl.fcntl(r, cmd, arg)
                fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)
                os.write(w, b"x")
            except Exception:
                pass
    return -1
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.wrong_answer, (m.verdict, m.diagnostic)
    assert evaluate(scorer, "def f(n):\n    return sum(i * i for i in range(n))\n").verdict is Verdict.passed


def test_a_path_relative_to_a_descriptor_cannot_climb_out_of_the_scratch_directory(scorer: Scorer) -> None:
    # The open audit event carries no dir_fd: working in a/b/c, the hook resolved
    # "../proc/1/stat" to a/b/proc/1/stat (inside the scratch directory) while the kernel,
    # relative to a descriptor of the scratch directory, opened the sandbox's PID 1's stat
    # (its children's page faults and CPU times: a channel from earlier runs).
    code = """
import os
def f(n):
    root = os.open(".", os.O_RDONLY)
    os.makedirs("a/b/c", exist_ok=True)
    os.chdir("a/b/c")
    for path in ("../proc/1/stat", "../proc/%d/stat" % os.getppid(), "x/../../../../proc/1/stat"):
        try:
            fd = os.open(path, os.O_RDONLY, dir_fd=root)
        except Exception:  # the policy's refusal, or no such entry
            continue
        os.close(fd)
        return -1  # read another process's /proc entry
    return sum(i * i for i in range(n))
"""
    m = evaluate(scorer, code)
    assert m.verdict is Verdict.passed, (m.verdict, m.diagnostic)


def test_outputs_that_decode_to_far_more_than_they_weigh_are_the_candidates_output_limit(scorer: Scorer) -> None:
    # ``[[]] * n`` is n pointers in the run and 3 bytes of JSON a list, but ~64 bytes a list
    # decoded in the zygote, twice over: 11 million, for a checker (outputs in full), held
    # ~1.5 GB of a container whose memory was then the zygote's and the run's (a reward null).
    # (a reference that takes ~1 s on that test: the test's limit, 4x that, covers the
    # output's encoding, so the run gets to the zygote's decoding)
    slow_reference = "import time\ndef f(n):\n    end = time.process_time() + (1.0 if n == 1000 else 0)\n" \
        "    while time.process_time() < end:\n        pass\n    return sum(i * i for i in range(n))\n"
    problem = checker_problem("redteam/checker-lists", limits={"time_s": 40, "memory_mb": 1024}).model_copy(
        update={"reference": slow_reference})
    code = """
def f(n):
    if n == 1000:
        return [[]] * 11_000_000
    return sum(i * i for i in range(n))
"""
    m = scorer.evaluate(problem, code, measure=False)
    assert m.verdict is Verdict.runtime_error, (m.verdict, m.diagnostic)
    assert m.diagnostic.limit == "output"


def test_without_reference_outputs_the_metered_run_must_give_what_an_unmetered_one_gives(scorer: Scorer) -> None:
    # A problem whose check_outputs is off has no expected outputs on its performance inputs:
    # a candidate that told the metered run apart returned anything there and was paid for
    # a count of almost nothing. Its metered output is now held to an unmetered run's.
    reference = "def f(n):\n    return sum(i * i for i in range(n))\n"
    problem = Problem(id="redteam/unchecked-perf", entry_point="f", reference=reference,
                      tests=[{"args": [3], "hidden": False}, {"args": [10]}],
                      performance={"inputs": [{"args": [200_000]}], "check_outputs": False},
                      limits={"time_s": 5, "memory_mb": 256})
    honest = "def f(n):\n    total = 0\n    for i in range(n):\n        total += i * i\n    return total\n"
    m = scorer.evaluate(problem, honest)
    assert m.verdict is Verdict.passed and m.instructions, m.diagnostic
    code = "import os\n" + honest.replace(
        "    total = 0\n", "    if n > 100 and os.environ.get('RS_MODE') in ('callgrind', 'qemu'):\n        return 0\n"
        "    total = 0\n")
    m = scorer.evaluate(problem, code)
    assert m.verdict is Verdict.wrong_answer, (m.verdict, m.instructions, m.diagnostic)
    assert "unmetered" in m.diagnostic.message and m.diagnostic.perf_input_index == 0


# Numbers the kernel hands out in order and never winds back: a run's pid and the inode
# numbers of its files were the last ones taken in the sandbox plus one, so a run that
# started n threads, or made n files, told the next run in its zygote n (some 20 bits a run,
# without noise: an answer one candidate computed, read by the next, whose count then never
# paid for it). Every run now takes the same pids and inodes, or its zygote is replaced.
NUMBERS = """
import os
def f(n):
    fd = os.open("probe", os.O_WRONLY | os.O_CREAT, 0o600)
    numbers = [os.getpid(), os.fstat(1).st_ino, os.fstat(fd).st_ino]
    os.close(fd)
    return numbers
"""
MOVE_NUMBERS = """
import os, threading
def f(n):
    for i in range(n):
        thread = threading.Thread(target=int)
        thread.start()
        thread.join()
        os.close(os.open("f%d" % i, os.O_WRONLY | os.O_CREAT, 0o600))
    return n
"""


def _numbers_after(scorer: Scorer, code: str, n: int, measure: bool) -> list[int]:
    from reward_service.problem import EntryPoint
    from reward_service.sandbox.base import RunSpec, RunStatus

    outputs = []
    for source, arg in ((code, n), (NUMBERS, 0)):  # the pool hands the last zygote back first
        spec = RunSpec(code=source, entry=EntryPoint(function="f"), inputs=[{"args": [arg]}], measure=measure, cpu_s=20)
        outcome = scorer.sandbox.run_untrusted(spec)
        assert outcome.status is RunStatus.ok, (outcome.status, outcome.message)
        outputs = outcome.outputs
    return list(outputs[0])


@pytest.mark.parametrize("measure", [False, True], ids=["tests", "metered"])
def test_threads_and_files_of_one_run_do_not_move_the_next_runs_pid_or_inode_numbers(
        scorer: Scorer, measure: bool) -> None:
    first = _numbers_after(scorer, NUMBERS, 0, measure)
    second = _numbers_after(scorer, NUMBERS, 0, measure)
    step = [b - a for a, b in zip(first, second, strict=True)]
    assert all(s > 0 for s in step), (first, second)
    # a few threads and files: within the run's budgets, whose rest the zygote takes after it
    assert _numbers_after(scorer, MOVE_NUMBERS, 3, measure) == [b + s for b, s in zip(second, step, strict=True)]
    # many: the zygote is replaced, and the next run sees a fresh sandbox's numbers, whatever n was
    fresh = _numbers_after(scorer, MOVE_NUMBERS, 40, measure)
    assert _numbers_after(scorer, MOVE_NUMBERS, 70, measure) == fresh


# One result pipe served every run of a zygote: a run that made it non-blocking and small
# left the next run's frame (past 4 KiB) failing with EAGAIN. In a metered zygote the
# reference, metered next on the same input to see whether the problem fails under the meter,
# failed too: the saboteur's problem turned invalid (rewards null) on that worker, and the
# honest responses after it with it. Every run's pipes are now its own.
SABOTAGE = """
import fcntl, os, stat
def f(n):
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                fcntl.fcntl(fd, 1031, 4096)  # F_SETPIPE_SZ
                fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        except OSError:
            pass
    return "ab" * n
"""


def test_a_run_cannot_break_the_pipes_of_the_runs_after_it(scorer: Scorer) -> None:
    reference = "def f(n):\n    return 'ab' * n\n"
    problem = Problem(id="redteam/long-frames", entry_point="f", reference=reference,
                      tests=[{"args": [3], "hidden": False}, {"args": [60_000]}],
                      performance={"inputs": [{"args": [100_000]}]}, limits={"time_s": 10, "memory_mb": 256})
    sabotaged = scorer.evaluate(problem, SABOTAGE)
    assert sabotaged.verdict in (Verdict.passed, Verdict.runtime_error), (sabotaged.verdict, sabotaged.diagnostic)
    for again in range(2):  # the honest responses after it, in the same zygotes
        m = scorer.evaluate(problem, reference + f"# response {again}\n")
        assert m.verdict is Verdict.passed, (m.verdict, m.diagnostic)


# The per-test CPU limit timed the call alone; the output's encoding and snapshot came after
# it, and both can run the candidate's code (an int subclass's __int__): 1.5 s of work
# deferred there passed a test whose limit is 1 s, where the same work in the call was a
# timeout. The limit now covers the call and its output's encoding.
LAZY_SLOW = """
import time
class Lazy(int):
    def __new__(cls, n):
        o = super().__new__(cls, 0)
        o.n = n
        return o
    def __int__(self):
        if self.n == 57:
            end = time.process_time() + 1.5
            while time.process_time() < end:
                pass
        return sum(i * i for i in range(self.n))
def f(n):
    return Lazy(n)
"""


def test_work_deferred_to_the_outputs_encoding_is_within_the_tests_time_limit(scorer: Scorer) -> None:
    for measure in (False, True):
        m = scorer.evaluate(PROBLEM, LAZY_SLOW, measure=measure)
        assert m.verdict is Verdict.timeout, (measure, m.verdict, m.diagnostic)
        assert m.diagnostic.test_index == 2, m.diagnostic


def test_an_output_slow_to_decode_in_the_checkers_run_is_the_candidates_failure(scorer: Scorer) -> None:
    # 3M lists (shared: cheap to build) nested 150 deep, on the performance input: the checker's
    # run decoded the outputs before it was armed, as the problem's trusted inputs, and at a
    # checker's small time_s that used the run's CPU limit: an invalid problem (reward null)
    # for a wrong answer. The outputs now stay JSON texts until the checker's own call.
    checker = "def check(inp, expected, actual):\n    return sorted(actual) == sorted(expected)\n"
    problem = Problem(id="redteam/checker-deep", entry_point="f", reference="def f(n):\n    return list(range(n))\n",
                      tests=[{"args": [3]}, {"args": [5]}], performance={"inputs": [{"args": [100]}]},
                      comparison={"mode": "checker", "checker": checker},
                      limits={"time_s": 1, "perf_time_s": 60, "memory_mb": 3000})
    code = """
def f(n):
    if n < 100:
        return list(range(n))
    x = []
    for i in range(150):
        x = [x]
    return [x] * 20000
"""
    m = scorer.evaluate(problem, code)
    assert m.verdict is Verdict.wrong_answer, (m.verdict, m.diagnostic)
    assert m.diagnostic.perf_input_index == 0


def test_the_zygotes_compile_cache_keeps_no_large_source() -> None:
    # A checker's run carries the candidate's outputs in its sources (a generator's literal):
    # the zygote kept each compiled, 95 MB a candidate, up to 64 of them (gigabytes: a
    # container past its memory limit, every run in it a null).
    from reward_service.sandbox import runner

    runner._COMPILED.clear()
    big = "X = " + repr("q" * (runner.CACHED_SOURCE_CHARS + 1)) + "\n"
    runner.compile_request({"code": "def f():\n    return 1\n", "generator": big}, hoist=False)
    assert [len(source) for _, source in runner._COMPILED] == [len("def f():\n    return 1\n")]
