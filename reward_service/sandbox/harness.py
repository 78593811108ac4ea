"""The in-sandbox harness: a zygote that forks one fresh process per run (standard library only).

    host (trusted)  --frames on stdin/stdout-->  zygote (sandbox, native)
                                                   └─ template (maybe under valgrind or QEMU)
                                                      └─ fork → run child: builds its input,
                                                         then _rsmeter.run (C): arms, counts
                                                         the candidate, writes one frame, exits

The zygote never runs candidate code; it compiles the candidate (at native speed) and
hands each run its request as a marshal file. Each child is a fresh fork of a template
that is in the same state for every run, so nothing a candidate computes (``lru_cache``,
globals, files, processes) reaches the next run: the template refuses the run any new
process (seccomp, in ``_rsmeter.run``) and kills any it finds anyway; the zygote wipes the
scratch directory (the only writable place: it checks so at start) after each run, sets the
pid and inode numbers the next run will see to the same place (``_Counters``), and reports
itself *dirty*, to be replaced, when it cannot.

A child reports only the candidate's *outputs* (see ``protocol.py``): expected outputs
never enter the sandbox; the host compares. The template tells the zygote, through a pipe
the run closes before the candidate starts, whether the run was *armed*: a failure before
that is the harness's, after it the candidate's. The zygote, its template and every run
are non-dumpable, so no process of the sandbox can read another's memory, environment or
descriptors through /proc. Every process hashes with the same fixed seed (a compiled
candidate, and so its count, must not depend on which zygote compiled it); the zygote never
hashes a value the candidate chose (``protocol.py``).

Under valgrind every code path is translated on first use and dies with the run that
translated it, so the template warms the paths a run takes (``_warm``). It also imports
the standard library's commonly used modules, so that ``import heapq`` costs a candidate
a dictionary lookup, not the module's execution.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import resource
import select
import signal
import sys
import time

TYPE_CHECKING = False  # typing is not imported at run time: the template stays small
if TYPE_CHECKING:
    from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import wire  # type: ignore[import-not-found,unused-ignore]  # noqa: E402  (sibling: the harness runs as a script)
from policy import NATIVE_ROOT  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
from protocol import (  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
    COUNT_NAME,
    HDR,
    MAX_FRAME,
    MAX_HARNESS_FRAME,
    STATUS,
    TOKEN_SIZE,
    OutputTooLarge,
    decode_result,
    read_count,
    read_exact,
    read_frame,
    write_frame,
    write_report,
)
from runner import (  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
    METER_DIR,
    MODE,
    SCRATCH,
    _build_inputs,
    _limits,
    _rsmeter,
    _vm_size,
    compile_request,
    read_file,
    remember,
    run_child,
)

# ---------------------------------------------------------------- the zygote
REQUEST_FILE = ".rs-request"
COUNT_DIR = os.path.join(SCRATCH, COUNT_NAME)
_TEMPLATE_FDS: list[int] = []
#: modules a run finds imported: the ones candidates commonly import (see the module docstring)
PRELOAD = (
    "abc", "array", "bisect", "collections", "collections.abc", "copy", "dataclasses", "datetime", "decimal",
    "enum", "fractions", "functools", "heapq", "itertools", "math", "numbers", "operator", "random", "re",
    "statistics", "string", "sys", "threading", "typing", "cmath", "queue", "textwrap", "time", "unicodedata",
    "sortedcontainers",
)


def _wipe(path: str) -> bool:
    """Empty ``path`` whatever the run left there (modes included). False if it is not empty after
    (too deep a tree, say): the zygote then reports itself dirty and is replaced."""

    def clear(directory: str) -> None:
        try:
            os.chmod(directory, 0o700)  # the run may have taken its own permissions away
        except PermissionError:
            pass  # not ours (a container's /tmp belongs to root, mode 1777): nor the run's, then
        for entry in os.scandir(directory):
            if entry.is_dir(follow_symlinks=False):
                clear(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)

    try:
        clear(path)
        return not os.listdir(path) and _reset_root(path)
    except (OSError, RecursionError):
        return False


def _reset_root(path: str) -> bool:
    """Take away what a run could leave on the scratch directory itself, which outlives every
    run: its extended attributes (``user.*``, ACLs: up to 64 KiB each) and its access and
    modification times (64 bits each, which readdir leaves alone when set in the future).
    A run that stored its answers there found them in the next run. False if they stay."""
    try:
        names = os.listxattr(path)
    except OSError:
        names = []  # no extended attributes here (a container's /tmp belongs to root: nor the run's)
    for name in names:
        try:
            os.removexattr(path, name)
        except OSError:
            pass
    try:
        os.utime(path, ns=(0, 0))
    except PermissionError:
        pass  # not ours (a container's /tmp): the run could set its times only to now, then
    try:
        return not os.listxattr(path)
    except OSError:
        return True


def _writable_places() -> list[str]:
    """Directories this process could write in, outside scratch, /proc and /sys (should be none).

    Walks every read-write mount (from /proc/self/mountinfo). A run's writes must all land
    in the scratch directory, which is wiped after it: anything else would carry state
    from one candidate to the next.
    """
    found: list[str] = []
    try:
        lines = read_file("/proc/self/mountinfo").decode().splitlines()
    except OSError:
        return ["/proc/self/mountinfo unreadable"]
    scratch = os.path.realpath(SCRATCH)
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or "rw" not in fields[5].split(",") or " - " not in line:
            continue
        fstype = line.split(" - ", 1)[1].split()[0]
        top = fields[4]
        # proc and sys are per-process views; devpts holds only terminals made through ptmx
        if top == scratch or top.startswith(scratch + "/") or fstype in ("proc", "sysfs", "devpts", "cgroup2"):
            continue
        for root, dirs, files in os.walk(top):
            if os.access(root, os.W_OK):
                found.append(root)
            dirs[:] = [d for d in dirs if not os.path.ismount(os.path.join(root, d))]
            for name in files:
                full = os.path.join(root, name)
                try:
                    st = os.lstat(full)
                except OSError:
                    continue
                if (st.st_mode & 0o170000) == 0o100000 and os.access(full, os.W_OK):
                    found.append(full)
            if len(found) > 5:
                return found
    return found


def _ancestors() -> set[int]:
    keep = {1, os.getpid()}
    pid = os.getpid()
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        keep.add(pid)
    return keep


_PIDNS = os.environ.get("RS_PIDNS") == "1"
#: the zygote's memory cgroup is its container's alone (``zygote_environment``)
_OWN_CGROUP = os.environ.get("RS_OWN_CGROUP") == "1"
#: where a memory cgroup counts the processes its limit killed (cgroup v2, v1)
_OOM_COUNTERS = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")


def _oom_kills() -> int:
    """How many processes the kernel has killed at this container's memory limit (-1: unknown)."""
    for path in _OOM_COUNTERS if _OWN_CGROUP else ():
        try:
            for line in read_file(path).splitlines():
                if line.startswith(b"oom_kill "):
                    return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return -1


# ---------------------------------------------------------------- counters a run moves
#: pids one run may take in the sandbox's PID namespace: the run itself, the zygote's
#: compiler (for a long source), the meter's own threads, and a few threads of the candidate's
PID_BUDGET = 8
#: inodes one run may take in the scratch file system: the request, the run's stdout, the
#: count directory and its file, the zygote's probes, and a few files of the candidate's
INODE_BUDGET = 16
#: where every sandbox's numbers start from (past what its start-up took, which varies)
FIRST_PID = 100
FIRST_INODE = 100


def _pid_max() -> int:
    try:
        return int(read_file("/proc/sys/kernel/pid_max"))
    except (OSError, ValueError):
        return 32768


class _Counters:
    """Two numbers the kernel hands out in order and never winds back, set after every run
    to where the run's budget takes them, whatever the run did.

    A run's pid is the last pid taken in the sandbox plus one, and a file's inode number the
    last inode number of the scratch file system plus one. A run that started n threads or
    made n files moved every later run's numbers by n: a channel of 15 to 20 bits a run,
    without noise, from a candidate to the next one in this zygote (an answer computed by one
    and read by the next, whose count then never paid for it). After each run the zygote
    takes what the run left of its budgets (threads it starts and joins, files it makes and
    unlinks), so every run takes exactly ``PID_BUDGET`` pids and ``INODE_BUDGET`` inodes and
    the next one sees the same numbers whatever came before. A run past a budget leaves the
    zygote dirty: it is replaced, and the next run starts in a fresh sandbox, where the
    numbers start over (what that tells the next run: one bit, that its zygote is new).
    """

    def __init__(self) -> None:
        # from the same numbers in every sandbox, however many its start-up took
        self.pid_max = _pid_max()
        self.taken = inode, pid = self._new_inode(), self._last_pid()
        self.inode = max(inode, FIRST_INODE)
        self.pid = max(pid, FIRST_PID) if pid >= 0 else -1
        self._advance()

    @staticmethod
    def _last_pid() -> int:
        """The last pid taken in this PID namespace (-1: unknown)."""
        try:
            return int(read_file("/proc/loadavg").split()[-1])
        except (OSError, ValueError, IndexError):
            return -1

    @staticmethod
    def _new_inode() -> int:
        """Takes one inode number of the scratch file system, and says which."""
        path = os.path.join(SCRATCH, ".rs-inode")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            return os.fstat(fd).st_ino
        finally:
            os.close(fd)
            os.unlink(path)

    def within_budget(self) -> bool:
        """After a run and the scratch directory's wipe: whether the run kept to both budgets."""
        try:
            self.taken = self._new_inode(), self._last_pid()
        except OSError:
            return False
        inode, pid = self.taken
        # (and room for the next run before the pids wrap at pid_max: a fresh zygote, not a
        # padding that cannot add up, which ended the zygote mid-run)
        pids_kept = self.pid < 0 or self.pid <= pid <= self.pid + PID_BUDGET < self.pid_max - 4 * PID_BUDGET
        return self.inode < inode <= self.inode + INODE_BUDGET and pids_kept

    def take_the_rest(self) -> None:
        """Takes what the run left of its budgets (after its report is sent: off the run's path).
        A zygote that cannot ends: the host replaces it."""
        self.inode += INODE_BUDGET
        if self.pid >= 0:
            self.pid += PID_BUDGET
        self._advance()

    def _advance(self) -> None:
        """Takes inodes and pids up to ``self.inode`` and ``self.pid``, from ``self.taken``."""
        import _thread

        inode, pid = self.taken
        while inode < self.inode:
            inode = self._new_inode()
        if self.pid < 0:
            return
        for _ in range(self.pid - pid):  # a thread takes one pid
            done = _thread.allocate_lock()
            done.acquire()
            _thread.start_new_thread(done.release, ())
            done.acquire()
        if self._last_pid() != self.pid:
            raise RuntimeError(f"the pids taken do not add up ({self._last_pid()}, not {self.pid})")


#: set by the zygote in an isolated sandbox (its own PID namespace and scratch file system)
_COUNTERS: _Counters | None = None


def _clean_up() -> bool:
    """After a run: the scratch directory emptied and the counters a run moves set back."""
    return _wipe(SCRATCH) and (_COUNTERS is None or _COUNTERS.within_budget())


def _child(result_w: int, arm: tuple[int, int], ready_w: int | None, go_r: int | None) -> None:
    """First steps of a fresh run process: take the request, shed the zygote's descriptors."""
    try:
        os.setpgid(0, 0)
        os.close(arm[0])
        path = os.path.join(SCRATCH, REQUEST_FILE)
        req = marshal.loads(read_file(path))
        os.unlink(path)
        keep: set[int] = {result_w, arm[1]} | {fd for fd in (ready_w, go_r) if fd is not None}
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(os.path.join(SCRATCH, ".stdout"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        for fd in _TEMPLATE_FDS:  # what the template holds: listed once, at its start
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        run_child(req, result_w, arm[1], ready_w, go_r)
    except BaseException:  # noqa: BLE001 - report the harness's own failure (before arming)
        import traceback

        try:
            write_frame(result_w, {"harness_error": traceback.format_exc()[-600:]})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(4)


_WARM_CODE = """
import math
class Solution:
    def f(self, x, y=None):
        return [x, (x, str(x)), {x: [x] * 3}, {x}, float(x) / 3, math.sqrt(abs(x)), sorted([x, -x])]
def f(x, y=None):
    return Solution().f(x, y)
"""


_WARM_REQUEST: dict[str, Any] = {
    "code": _WARM_CODE, "setup": None, "entry": {"function": "f", "class_name": None},
    "inputs": [{"args": [i, "s", [1.5, None, True]], "kwargs": {}} for i in range(3)],
    "generator": None, "scale": None, "seed": 0, "output_encoder": None,
    "limits": {"cpu_s": 12.5, "wall_s": 18.75, "memory_mb": 256, "nproc": 32, "nofile": 64, "fsize": 8 << 20},
}
# audit events a run raises, for the policy's checks (see _rsmeter.warm_template)
_WARM_EVENTS: list[tuple[str, tuple[Any, ...]]] = [
    ("exec", (None,)), ("compile", (None, "<x>")), ("sys._getframe", (None,)),
    ("object.__getattr__", (None, "x")), ("os.system", (b"true",)), ("ctypes.dlopen", ("x",)),
    ("import", ("math", None, [], [], [])), ("import", ("ctypes", None, [], [], [])),
    ("import", ("_x", "/usr/lib/x.so", [], [], [])), ("import", ("_x", "/tmp/x.so", [], [], [])),
    ("open", ("/tmp/x", "r", 0)), ("open", ("x.txt", "w", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)),
    ("open", ("/usr", "r", 0)), ("open", (3, "r", 0)), ("open", ("/proc/self/status", "r", 0)),
    ("open", ("/proc/1/status", "r", 0)), ("open", ("/meter/x", "r", 0)), ("open", (b"/tmp/y", None, 0)),
    ("os.listdir", (".",)), ("os.remove", ("/tmp/x",)), ("os.rename", ("/tmp/a", "/tmp/b", -1, -1)),
    ("os.mkdir", ("/tmp/d", 0o777, -1)), ("os.scandir", ("/tmp",)), ("socket.__new__", (None, 1, 1, 0)),
]


def _warm() -> None:
    """Run a child's code paths once in the template, before it forks anything.

    Under valgrind every code path is translated on first use, and translations made in a
    child die with it. Paths the template has run are inherited by every child instead:
    this takes a metered no-op run from ~200 ms to a fraction of that. The run's own first
    steps (reading a request, the descriptors, the limits, the policy's checks, Python's
    after-fork re-initialisation) are taken here too, on throwaway descriptors and files.
    """
    sample = dict(_WARM_REQUEST)
    path = os.path.join(SCRATCH, ".rs-warm-request")
    with open(path, "wb") as fh:
        fh.write(marshal.dumps(compile_request(sample, hoist=False)))
    sample = marshal.loads(read_file(path))
    os.unlink(path)
    devnull = os.open("/dev/null", os.O_RDONLY)
    out_path = os.path.join(SCRATCH, ".rs-warm-stdout")
    out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    spare = os.dup(devnull)
    os.dup2(out, spare)
    os.dup2(devnull, spare)
    for fd in (spare, out, devnull):
        os.close(fd)
    os.unlink(out_path)
    os.chdir(SCRATCH)
    os.setpgid(0, os.getpgid(0))  # the run makes itself a group leader; this changes nothing
    _build_inputs(sample, {"__name__": "__setup__"})

    def refuse(which: int, limits: tuple[int, int]) -> None:  # the run's rlimits, without setting them
        if which == resource.RLIMIT_NOFILE and limits[1] != resource.getrlimit(which)[1]:
            raise ValueError("valgrind keeps its own descriptor limit")

    for _ in range(2):
        _limits(sample["limits"], refuse)
    soft_files, hard_files = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:  # valgrind refuses a new hard limit for descriptors: the run's fallback path
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft_files, hard_files - 1))
    except (ValueError, OSError):
        pass
    for which in (resource.RLIMIT_CORE, resource.RLIMIT_CPU, resource.RLIMIT_NOFILE):
        soft, hard = resource.getrlimit(which)  # finite limits, then back: soft limits may rise again
        resource.setrlimit(which, (min(1 << 20, hard) if hard != resource.RLIM_INFINITY else 1 << 20, hard))
        resource.setrlimit(which, (soft, hard))
    # the run's tail: one marshal frame
    tail = ("ok", [("V", 1), ("M", b"x"), ("L", (1, 2)), ("J", "[]")], None, None, None, 0, [0.5])
    data = b"C" + bytes(TOKEN_SIZE) + marshal.dumps(tail, 2)
    sink = os.open("/dev/null", os.O_WRONLY)
    os.write(sink, HDR.pack(len(data)) + data)
    os.close(sink)
    if _rsmeter is not None:
        _rsmeter.warm_template(SCRATCH, METER_DIR, NATIVE_ROOT, _WARM_EVENTS)
        # the native region itself, dry: snapshots of every kind, the frame, the count directory
        count_dir = os.path.join(SCRATCH, ".rs-warm-count")
        code = compile(_WARM_CODE + "class L(list):\n    pass\ndef g(x):\n    return L([x])\n", "<warm>", "exec")
        sink = os.open("/dev/null", os.O_WRONLY)
        _rsmeter.warm_region(code, {"__name__": "__warm__"}, "f", None, [((i, "s"), {}) for i in range(3)], None,
                             wire.dumps_output, sink, -1, True, count_dir, compile("import math\n", "<warm>", "exec"))
        os.close(sink)
        for name in os.listdir(SCRATCH):
            if name.startswith(".rs-warm-count"):
                os.rmdir(os.path.join(SCRATCH, name))
    req: dict[str, Any] = {"code": _WARM_CODE, "inputs": [{"args": [i], "kwargs": {}} for i in range(30)]}
    code = compile(req["code"], "<warm>", "exec", dont_inherit=True)
    for _ in range(3):
        ns: dict[str, Any] = {"__name__": "__warm__"}
        exec(code, ns)
        snaps: list[tuple[str, Any]] = []
        for item in req["inputs"]:
            value = ns["f"](*item["args"], **item["kwargs"])
            if _rsmeter is not None and _rsmeter.is_plain(value):
                snaps.append(("L", tuple(value)))
            else:
                snaps.append(("M", marshal.dumps(value, 2)))
        HDR.pack(len(marshal.dumps(snaps, 2)))
        path = os.path.join(SCRATCH, ".rs-warm")
        os.path.realpath(path)
        str(RecursionError("x"))[:200]
        os.listdir("/proc/self/fd")
        _vm_size()
        for which in (resource.RLIMIT_CPU, resource.RLIMIT_NOFILE, resource.RLIMIT_FSIZE, resource.RLIMIT_CORE,
                      resource.RLIMIT_NPROC, resource.RLIMIT_AS):
            resource.setrlimit(which, resource.getrlimit(which))  # same values: a no-op that warms the path


def template(trig_r: int, resp_w: int, perf: bool) -> None:
    """The template process: forks one run at a time and reports how it ended.

    Every run starts from the same heap state (callgrind counts move by ~2% with the heap
    state, and ``id()``-ordered work with every address): once warm, the template runs no
    Python code at all; its loop (fork, wait, clean up, report) is ``_rsmeter.fork_runs``.
    """
    if _rsmeter is None:  # without the native helper no candidate runs (policy.py)
        raise SystemExit("the sandbox's native helper (_rsmeter) is missing")
    keep = _ancestors()
    if MODE != "qemu":  # QEMU refuses it; the qemu meter's plugin does it
        _rsmeter.set_subreaper()
    _preload()
    if MODE in ("callgrind", "qemu"):  # the meters that translate code paths on first use
        _warm()
    # Every descriptor a run must not keep (valgrind's own sit above 1024 and are refused).
    _TEMPLATE_FDS.extend(fd for fd in map(int, os.listdir("/proc/self/fd")) if 2 < fd < 1024)
    _rsmeter.set_undumpable()  # no run can read this process's memory or descriptors
    gc.collect()
    gc.freeze()
    if MODE == "callgrind":
        _rsmeter.quiet()
    os.write(resp_w, STATUS.pack(0, 0, 0.0, 0.0, 0, 0, -1, 0, 0))  # warm: the zygote may greet the host now
    # From here the loop is native (``_rsmeter.fork_runs``): it touches no Python object
    # between forks, so every run starts from this very heap, whatever ran before it.
    arm_r, arm_w, result_w, ready_w, go_r = _rsmeter.fork_runs(trig_r, resp_w, perf, sorted(keep), _PIDNS)
    _child(result_w, (arm_r, arm_w), ready_w if ready_w >= 0 else None, go_r if go_r >= 0 else None)


def _preload() -> None:
    """Import what candidates commonly import, and seed ``random`` the same for every run."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if "random" in sys.modules:
        sys.modules["random"].seed(0)


def _unframe(data: memoryview, armed: bool, token: bytes, digest: bool = True) -> Any:
    """The child's one result frame, or None if it is missing or anything else was written.

    After arming only the native tail's ``C`` frame is the harness's, and it carries the
    run's ``token``; before it, only the harness's own small JSON report of its failure, or
    of the problem's trusted code's (``problem_error``). A JSON frame is trusted only when
    the run was never armed: the candidate had not run, so it cannot have written one (an
    armed run's JSON frame, whatever it says, is the candidate's and is dropped here).
    """
    if len(data) < 5:
        return None
    (n,) = HDR.unpack(data[:4])
    if n != len(data) - 4:
        return None
    body = data[4:]
    if body[:1].tobytes() == b"C":
        if not armed or len(token) != TOKEN_SIZE or body[1 : 1 + TOKEN_SIZE] != token:
            return None  # not the tail's: written by the candidate (or before it ran)
        try:
            return decode_result(body[1 + TOKEN_SIZE :], digest, raw=True)
        except OutputTooLarge:
            raise  # the run's output limit (run_once)
        except Exception:  # noqa: BLE001 - the candidate's bytes: any failure to read them is its own
            return None
    if armed or n > MAX_HARNESS_FRAME:
        return None
    try:
        obj = json.loads(bytes(body))
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    return obj if isinstance(obj.get("harness_error"), str) or isinstance(obj.get("problem_error"), str) else None


def _drain(fd: int, buf: bytearray, limit: int) -> bool:
    """Read what is buffered in ``fd`` (non-blocking). False once past ``limit``."""
    while True:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            return True
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return True
        buf += chunk
        if len(buf) > limit:
            return False


#: glibc copies and fills large blocks with ``rep movsb``/``rep stosb`` past a size it picks from
#: the cache sizes the CPU reports, and a meter counts such an instruction once per byte
#: (QEMU, valgrind) or once in all (hardware counters), where the vector loops it uses
#: otherwise cost ~0.1 instruction a byte: a 64 MB copy in 2 MB pieces counted 41M under
#: callgrind and 101M under QEMU, in 16 MB pieces 39M and 41M (a candidate chose its count
#: by its chunk size). With these thresholds past any size the same vector loop copies every
#: block under every meter (not the non-temporal one either, whose threshold follows the cache).
GLIBC_TUNABLES = ("glibc.cpu.x86_rep_movsb_threshold=0x7fffffffffffffff:glibc.cpu.x86_rep_stosb_threshold=0x7fffffffffffffff"
                  ":glibc.cpu.x86_non_temporal_threshold=0x0fffffffffffffff")


def serve(ctl_in: int, ctl_out: int) -> None:
    """The zygote proper: runs natively, starts the template (under the meter's launcher)."""
    perf = MODE == "perf" and _rsmeter is not None
    if _PIDNS:  # fail closed: a writable place outside scratch would carry state between runs
        places = _writable_places()
        if places:
            write_frame(ctl_out, {"hello": False, "error": f"writable places outside scratch: {places[:5]}"})
            return
    import socket
    import subprocess

    trig_r, trig_w = os.pipe()
    # the template's records come on a socket: each run's result pipe comes with its first one
    resp_sock, resp_w_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    resp_w = resp_w_sock.detach()
    launcher = json.loads(os.environ.get("RS_LAUNCHER", "[]"))
    fds = [trig_r, resp_w]

    os.makedirs(COUNT_DIR, mode=0o700, exist_ok=True)  # callgrind checks at start that it can write here
    env = dict(os.environ, PYTHONHASHSEED=os.environ.get("RS_HASH_SEED", "0"),  # runs: a fixed seed
               GLIBC_TUNABLES=GLIBC_TUNABLES)
    template_proc = subprocess.Popen(
        # -S: no site module (its start-up and .pth files would be ~6k more blocks for callgrind
        # to walk at every run's exit); the zygote's own sys.path, site directories included,
        # is handed over instead.
        [*launcher, sys.executable, "-S", "-B", os.path.abspath(__file__), "template", *map(str, fds),
         "1" if perf else "0", marshal.dumps(sys.path).hex()],
        pass_fds=fds, stdin=subprocess.DEVNULL, env=env,
    )
    for fd in fds:
        os.close(fd)
    read_exact(resp_sock.fileno(), STATUS.size)  # the template is warm (its scratch files are gone)
    global _COUNTERS
    if _PIDNS:
        _COUNTERS = _Counters()
    write_frame(ctl_out, {"hello": True, "pid": template_proc.pid, "zygote_pid": os.getpid(), "mode": MODE})
    while True:
        try:
            req = read_frame(ctl_in)
        except EOFError:
            break
        if req.get("op") == "exit":
            break
        report = run_once(req, trig_w, resp_sock)
        dirty = bool(report.get("dirty"))
        write_report(ctl_out, report)
        del report
        if _COUNTERS is not None and not dirty:  # a dirty zygote is replaced before its next run
            _COUNTERS.take_the_rest()
    os.close(trig_w)
    template_proc.wait()


#: the most files and directories a run may have in the scratch directory at once. Its size
#: is limited, not its number of inodes (half the host's memory pages, for a tmpfs): each
#: costs the kernel about 1 KiB that no limit of the run counts, and a run made 37k a
#: second under QEMU, so a metered run could hold gigabytes of the host's memory.
SCRATCH_INODES = 50_000
#: how often the zygote looks (a run makes at most some 10k more in that time)
INODE_POLL_S = 0.05


def _inodes_used() -> int:
    """Inodes in use in the scratch file system (0 when it does not count them)."""
    try:
        st = os.statvfs(SCRATCH)
    except OSError:
        return 0
    return st.f_files - st.f_ffree if st.f_files else 0


def _busy_s(pid: int) -> float:
    """Seconds the run has spent on a CPU or waiting in a run queue for one (all its threads).

    The wall limit is for runs that stall (sleep, block): it counts only the time a run was
    neither running nor runnable, so a CPU-bound run on a loaded machine (valgrind, other
    jobs) reaches its CPU limit, never the wall limit first. From the scheduler's per-thread
    ``schedstat`` (run time, run-queue wait), or, without it, the CPU time in ``stat``
    (which includes exited threads). 0 when the run is gone.
    """
    cpu = waited = 0.0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            fields = read_file(f"/proc/{pid}/task/{task}/schedstat").split()
            cpu += int(fields[0]) / 1e9
            waited += int(fields[1]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        stat = read_file(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
        cpu = max(cpu, (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        pass
    return cpu + waited


#: the longest the zygote spends compiling one request's sources. Compiling is not counted
#: and is not the run's: a 94 KB candidate (a sequence pattern of 15,000 capture names, whose
#: compilation is quadratic) held a zygote 40 s, past the host's deadline (reward null). A
#: source that takes longer is left as text and compiled by the run, after arming, within
#: the run's own limits: its failure, if it fails.
COMPILE_S = 10.0
#: a candidate source up to this many characters is compiled in the zygote itself: the
#: quadratic pattern above takes ~0.4 s at 8,000 characters (1 s at 12,700), and the fork
#: cost ~5 ms a request (MBPP+ references, correctness only: 16.5 -> 15.1 candidates/s)
COMPILE_IN_PLACE_CHARS = 8_000
_COMPILED_SOURCES: dict[tuple[Any, ...], dict[str, Any] | None] = {}  # None: past COMPILE_S
_COMPILED_FIELDS = ("code", "prelude", "setup", "output_encoder", "generator")


def _compiled_sources(req: dict[str, Any]) -> dict[str, Any] | None:
    """``compile_request``'s compiled fields: in place for a short candidate source (the
    problem's own sources are trusted), else made in a forked process given ``COMPILE_S``."""
    code = req.get("code")
    if type(code) is str and len(code) <= COMPILE_IN_PLACE_CHARS:  # compile_request keeps its own cache
        out = compile_request(req)
        return {k: out[k] for k in _COMPILED_FIELDS if k in out}
    key = tuple(req.get(name) for name in ("code", "setup", "output_encoder", "generator"))
    if key in _COMPILED_SOURCES:
        return _COMPILED_SOURCES[key]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the compiler: its result, then gone (no Python clean-up)
        try:
            os.close(read_end)
            out = compile_request(req)
            view = memoryview(marshal.dumps({k: out[k] for k in _COMPILED_FIELDS if k in out}))
            while view:
                view = view[os.write(write_end, view):]
        finally:
            os._exit(0)
    os.close(write_end)
    buf, done, deadline = bytearray(), False, time.monotonic() + COMPILE_S
    try:
        while not done and time.monotonic() < deadline:
            ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read_end, 1 << 16) if ready else b""
            done = bool(ready) and not chunk
            buf += chunk
    finally:
        os.close(read_end)
        if not done:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    try:
        compiled: dict[str, Any] | None = marshal.loads(bytes(buf)) if done else None
    except (ValueError, EOFError, TypeError):
        compiled = None  # the compiler died: the run compiles (and fails) on its own
    remember(_COMPILED_SOURCES, key, compiled, sum(len(part) for part in key if type(part) is str))
    return compiled


def _run_request(req: dict[str, Any]) -> dict[str, Any]:
    """What the run itself gets: the request compiled, without the zygote's run number.

    Everything the run loads before its count is allocated on the same heap as the
    candidate's objects, so it must be the same for every run of the same request: the run
    number (an int object once past 256) moved every later allocation of its size and
    changed the counts of programs whose work depends on addresses (``id()``-ordered sets
    of objects) between a zygote's early and later runs.
    """
    out: dict[str, Any] = dict(req)
    out.update(_compiled_sources(req) or {})
    out.pop("id", None)
    return out


def _first_record(resp: Any) -> tuple[bytes, int]:
    """A run's first record (its pid) from the template, and the read end of its result pipe."""
    import socket

    data, fds, _, _ = socket.recv_fds(resp, STATUS.size, 1)
    if len(fds) != 1 or not data:
        for fd in fds:
            os.close(fd)
        raise RuntimeError("the template sent a run without its result pipe")
    if len(data) < STATUS.size:
        data += read_exact(resp.fileno(), STATUS.size - len(data))
    return data, fds[0]


def run_once(req: dict[str, Any], trig_w: int, resp: Any) -> dict[str, Any]:
    """One run: its request in, the report out (see ``protocol.py`` for what it holds)."""
    try:
        with open(os.path.join(SCRATCH, REQUEST_FILE), "wb") as fh:  # marshal: C speed in the run
            fh.write(marshal.dumps(_run_request(req)))
    except OSError as exc:
        # Past the scratch directory's size (sandbox.scratch_mb): the request holds the
        # problem's inputs, or, for a checker, the outputs it judges. Nothing ran; the zygote
        # carries on (it died here: a reward null for a checker's over-long output).
        refused: dict[str, Any] = {
            "id": req.get("id"), "armed": False, "wall_s": 0.0, "cpu_s": 0.0, "limit": None, "leftovers": 0,
            "result": {"problem_error": f"the run's inputs do not fit its scratch directory ({exc.strerror})",
                       "part": "inputs", "index": None},
        }
        if not _clean_up():
            refused["dirty"] = True
        return refused
    oom_before = _oom_kills()
    started = time.monotonic()
    os.write(trig_w, b"x")
    first, result_r = _first_record(resp)
    try:
        return _watch(req, started, resp.fileno(), result_r, STATUS.unpack(first)[0], oom_before)
    finally:
        os.close(result_r)


def _watch(req: dict[str, Any], started: float, resp_r: int, result_r: int, pid: int, oom_before: int) -> dict[str, Any]:
    """The rest of a run: watch it, read its status, result and count, clean up after it."""
    stall_s = float(req["limits"]["wall_s"])
    hard = started + max(stall_s, float(req["limits"].get("overload_s") or 0.0))
    check_at = started + stall_s  # the stall cannot reach its budget before this
    token = read_exact(resp_r, TOKEN_SIZE)
    buf = bytearray()
    frame_limit = int(req["limits"].get("fsize") or MAX_FRAME) + 4096
    limit: str | None = None
    killed = False
    while True:
        now = time.monotonic()
        if not killed and now >= min(check_at, hard):
            stalled = now - started - _busy_s(pid)
            if stalled >= stall_s or now >= hard:
                limit, killed = ("wall" if stalled >= stall_s else "overload"), True
                os.kill(pid, signal.SIGKILL)
            else:  # stalled time grows no faster than the clock
                check_at = now + max(stall_s - stalled, 0.05)
        left = min(check_at, hard) - now
        ready, _, _ = select.select([resp_r, result_r], [], [], min(max(left, 0.05), INODE_POLL_S) if not killed
                                    else 1.0)
        if not killed and _inodes_used() > SCRATCH_INODES:  # the output limit, in files
            limit, killed = "output", True
            os.kill(pid, signal.SIGKILL)
        if result_r in ready and limit != "output":
            if not _drain(result_r, buf, frame_limit) and not killed:
                limit, killed = "output", True
                os.kill(pid, signal.SIGKILL)
        if resp_r in ready:
            break
    status_bytes = read_exact(resp_r, STATUS.size)
    _, status, utime, stime, maxrss, leftovers, count, err, armed = STATUS.unpack(status_bytes)
    if limit != "output" and not _drain(result_r, buf, frame_limit):
        limit = "output"
    report: dict[str, Any] = {
        "id": req.get("id"), "pid": pid, "wall_s": time.monotonic() - started, "armed": bool(armed),
        "cpu_s": utime + stime, "max_rss_kb": maxrss, "limit": limit, "leftovers": leftovers,
    }
    oom_kills = _oom_kills() - oom_before if oom_before >= 0 else 0
    if oom_kills > 0:  # the run, or a process it left, hit the container's memory
        report["oom_kills"] = oom_kills
    if os.WIFSIGNALED(status):
        report["signal"] = os.WTERMSIG(status)
    else:
        report["exit"] = os.WEXITSTATUS(status)
    try:
        # a view: the frame (up to the output limit) is not copied on its way to the report
        with memoryview(buf) as frame:
            result = _unframe(frame, bool(armed), token, req.get("digest") is not False) if limit != "output" \
                else None
    except OutputTooLarge:  # its outputs would not fit in the report: the candidate's output limit
        result = None
        report["limit"] = limit = "output"
    report["result"] = result
    if MODE in ("callgrind", "qemu"):
        # A count is the meter's only if the run ended through the native tail, which made
        # the count directory afresh and exits with status 0. A run that left the region
        # early (exit, signal) could have planted a count there first, and its frame forged:
        # valgrind then exits with status 1 when it cannot write over a read-only plant, a
        # signal leaves the plant as it is (the QEMU plugin also removes a plant at an exit
        # that never closed the count: a candidate's os._exit(0)).
        blocked = isinstance(result, dict) and result.get("count_blocked")
        ended = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        instructions, why = (None, "the run blocked its count directory") if blocked \
            else (None, "the run did not end through its tail") if not ended \
            else read_count(COUNT_DIR, pid, MODE)
        if instructions is not None:
            report["instructions"] = instructions
        else:  # armed: the run itself could have caused it (blocked the directory, died early)
            report["count_missing"] = why
    elif count >= 0:
        report["instructions"] = count
    if err:
        report["meter_error"] = f"perf_event_open failed: errno {err}"
    try:
        with open(os.path.join(SCRATCH, ".stdout"), "rb") as fh:
            report["stdout_tail"] = fh.read(2000).decode("utf-8", "replace")
    except OSError:
        report["stdout_tail"] = ""
    if not _clean_up():
        report["dirty"] = True  # the host replaces this zygote before its next run
    return report


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "template":
        t_r, r_w, with_perf = (int(x) for x in sys.argv[2:5])
        sys.path[:] = marshal.loads(bytes.fromhex(sys.argv[5]))
        import _sitebuiltins  # what site would add that candidates use: exit() and quit()
        import builtins

        builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")
        builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")
        template(t_r, r_w, bool(with_perf))
        sys.exit(0)
    # Before anything else: no process of the sandbox may read this one's memory or reach
    # its descriptors (the control channel to the host) through /proc.
    if _rsmeter is not None:
        _rsmeter.set_undumpable()
    # Keep the control channel off fds 0/1 so a stray print cannot corrupt it.
    ctl_in, ctl_out = os.dup(0), os.dup(1)
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    serve(ctl_in, ctl_out)
