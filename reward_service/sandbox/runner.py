"""One run, inside its fresh process: build the input, then hand over to native code (stdlib only).

The harness's zygote forks a process per run and calls :func:`run_child` in it. Before the
candidate's code, the run builds its inputs (trusted generator, setup code and output
encoder), sets its rlimits and installs the audit-hook policy (``policy.py``). Then
``_rsmeter.run`` (C) arms the run, opens the count, runs the candidate and snapshots its
outputs, closes the count and writes the one result frame: no Python code a candidate
could have planted runs after the count (see ``_rsmeter.c`` and ``protocol.py``).

This module is imported by the in-sandbox harness, so it must not import the package.
"""

from __future__ import annotations

import os
import resource
import sys

TYPE_CHECKING = False  # typing is not imported at run time: the template stays small
if TYPE_CHECKING:
    from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import wire  # type: ignore[import-not-found,unused-ignore]  # noqa: E402  (sibling: runs as a script)
from policy import install_policy  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
from protocol import COUNT_NAME, write_frame  # type: ignore[import-not-found,unused-ignore]  # noqa: E402

try:  # the sandbox's native helper: without it no candidate runs (see policy.py)
    import _rsmeter  # type: ignore[import-not-found]  # noqa: E402
except ImportError:  # pragma: no cover - depends on the image
    _rsmeter = None

SCRATCH = os.environ.get("RS_SCRATCH", "/tmp")
METER_DIR = os.path.join(SCRATCH, COUNT_NAME)  # the count directory: the policy keeps candidates out
MODE = os.environ.get("RS_MODE", "plain")  # plain | callgrind | qemu | perf
#: how _rsmeter.run counts a run of this mode (0: it does not; perf is counted by the zygote)
METERED = {"callgrind": 1, "qemu": 2}.get(MODE, 0)


# ---------------------------------------------------------------- running a candidate
def _limit_values(lim: dict[str, Any], vm_size: int) -> list[tuple[int, int]]:
    """The (rlimit, value) caps a run's limits ask for, RLIMIT_CPU aside (``_cpu_limit``)."""
    caps: list[tuple[int, int]] = []
    if lim.get("memory_mb"):
        budget = int(lim["memory_mb"]) << 20
        if METERED:  # valgrind's or QEMU's own mappings are already there: limit the growth
            budget += vm_size
        caps.append((resource.RLIMIT_AS, budget))
    caps += [(resource.RLIMIT_NOFILE, int(lim["nofile"])), (resource.RLIMIT_FSIZE, int(lim["fsize"])),
             (resource.RLIMIT_CORE, 0)]
    if lim.get("nproc"):
        caps.append((resource.RLIMIT_NPROC, int(lim["nproc"])))
    return caps


def _cpu_limit(lim: dict[str, Any], setrlimit: Any = resource.setrlimit) -> None:
    """Set the run's RLIMIT_CPU (it counts the process's CPU from its start, so setting it
    again later, in ``_limits``, gives the same limit)."""
    cpu = max(1, int(lim["cpu_s"] + 0.999))
    hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)[1]
    setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1 if hard_cpu == resource.RLIM_INFINITY else hard_cpu))


def _limits(lim: dict[str, Any], setrlimit: Any = resource.setrlimit) -> None:
    """Set a run's rlimits (``setrlimit`` is replaced only to warm this code in the template)."""
    _cpu_limit(lim, setrlimit)
    for which, value in _limit_values(lim, _vm_size()):
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            setrlimit(which, (value, value))
        except ValueError:  # valgrind reports its own reserved limits; lower the soft one
            setrlimit(which, (min(value, soft) if soft != resource.RLIM_INFINITY else value, hard))


def _vm_size() -> int:
    """This process's address-space size in bytes (the first field of /proc/self/statm)."""
    return int(read_file("/proc/self/statm").split(None, 1)[0]) * os.sysconf("SC_PAGE_SIZE")


def read_file(path: str) -> bytes:
    """A whole file, with plain descriptors (no io objects: cheaper under valgrind)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


# The sources a request carries, and the names they are compiled under. The candidate's
# code is compiled on its own; the trusted ones inherit this module's future flags.
_SOURCES = {"code": "<candidate>", "setup": "<setup>", "output_encoder": "<encoder>", "generator": "<generator>"}


def _compile(source: str, filename: str) -> Any:
    return compile(source, filename, "exec", dont_inherit=filename == "<candidate>")


def _code(source: Any, filename: str) -> Any:
    """A request's source as a code object: compiled already by the zygote, or now."""
    return _compile(source, filename) if type(source) is str else source


_COMPILED: dict[tuple[str, str], Any] = {}  # the zygote's recent compilations (code objects are immutable)
#: the longest source whose compilation is kept: a checker run's sources carry the candidate's
#: outputs (up to ~95 MB of literal), and 64 of them kept gigabytes in the zygote
CACHED_SOURCE_CHARS = 1 << 16


def remember(cache: dict[Any, Any], key: Any, value: Any, chars: int) -> None:
    """Keep a compilation of ``chars`` characters of source: at most 64, none past CACHED_SOURCE_CHARS."""
    if chars <= CACHED_SOURCE_CHARS:
        if len(cache) >= 64:
            cache.clear()
        cache[key] = value


def compile_request(req: dict[str, Any], hoist: bool = True) -> dict[str, Any]:
    """The request with its sources compiled, by the zygote at native speed.

    Compiling a candidate under valgrind costs a metered run tens of milliseconds, and
    none of it is counted. A source that does not compile is left as it is: the run
    compiles it and reports the error as its own. A candidate's test run and its
    measured runs, and every run of a problem's setup code, compile once.

    The candidate's leading imports of the standard library become its *prelude* (see
    :func:`split_prelude`), run just before the count opens.
    """
    out = dict(req)
    for key, filename in _SOURCES.items():
        source = req.get(key)
        if type(source) is str and source:
            code = _COMPILED.get((filename, source))
            if code is None:
                try:
                    code = split_prelude(source) if key == "code" and hoist else (None, _compile(source, filename))
                except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                    continue
                remember(_COMPILED, (filename, source), code, len(source))
            if key == "code" and hoist:
                out["prelude"], out[key] = code
            else:
                out[key] = code[1] if type(code) is tuple else code
    return out


def split_prelude(source: str) -> tuple[Any, Any]:
    """(prelude, module): the candidate's leading standard-library imports, and the rest.

    ``import heapq`` or ``from collections import Counter`` at the top of a solution is
    not the algorithm, but executing it costs hundreds to thousands of instructions
    (``from``-imports raise and format an AttributeError inside CPython), which is percents
    of a fast solution's count. So the run executes the imports that open the module
    *before* the count: only plain absolute imports of standard-library modules (and
    ``sortedcontainers``, which LeetCode problems import), which the template has imported
    already or which run only the standard library's own code; the module keeps its line
    numbers. Anything else (a relative or star import, ``__future__``, another module, or an
    import after other code) stays in the module and is counted.
    """
    import ast

    tree = ast.parse(source, "<candidate>")
    allowed = set(sys.stdlib_module_names) | {"sortedcontainers"}
    prelude: list[Any] = []
    body = list(tree.body)
    start = 1 if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else 0
    while len(body) > start:
        stmt = body[start]
        if isinstance(stmt, ast.Import):
            names = [alias.name for alias in stmt.names]
        elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module and stmt.module != "__future__" \
                and all(alias.name != "*" for alias in stmt.names):
            names = [stmt.module]
        else:
            break
        if not all(name.split(".")[0] in allowed for name in names):
            break
        prelude.append(body.pop(start))
    head = compile(ast.Module(body=prelude, type_ignores=[]), "<candidate>", "exec", dont_inherit=True) if prelude \
        else None
    return head, compile(ast.Module(body=body, type_ignores=tree.type_ignores), "<candidate>", "exec",
                         dont_inherit=True)


def _build_inputs(req: dict[str, Any], ns: dict[str, Any]) -> list[tuple[list[Any], dict[str, Any]]]:
    out: list[tuple[list[Any], dict[str, Any]]] = []
    gen = req.get("generator")
    if gen:
        try:
            gns: dict[str, Any] = {"__name__": "__generator__"}
            exec(_code(gen, "<generator>"), gns)  # trusted source
            made = gns["generate"](int(req["scale"]), int(req["seed"]))
            out.append((list(made.get("args", [])), dict(made.get("kwargs", {}))))
        except BaseException as exc:  # noqa: BLE001 - the problem's generator, not the harness's
            raise ProblemCodeFailure("generator", None, exc) from None
        return out
    for item in req["inputs"]:
        if item.get("expr"):
            try:
                args, kwargs = eval(item["expr"], ns)  # trusted expression, evaluated after setup
                out.append((list(args), dict(kwargs)))
            except BaseException as exc:  # noqa: BLE001 - the problem's input, not the harness's
                raise ProblemCodeFailure("input", len(out), exc) from None
        else:
            out.append((list(item.get("args", [])), dict(item.get("kwargs", {}))))
    return out


class ProblemCodeFailure(Exception):
    """The problem's trusted code raised before the candidate ran: ``part`` is which (``setup``,
    ``input``, ``generator``, ``encoder``) and ``index`` the test input (for ``input``).

    Reported as ``problem_error`` (see ``protocol.py``): the host makes it the problem's
    fault (``ProblemCodeError``), not the harness's (retried, then ``sandbox_error``).
    """

    def __init__(self, part: str, index: int | None, exc: BaseException) -> None:
        super().__init__(part)
        self.part, self.index, self.error = part, index, _describe(exc)

    def report(self) -> dict[str, Any]:
        return {"problem_error": self.error, "part": self.part, "index": self.index}


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)[:300]
    except BaseException:  # noqa: BLE001 - a trusted exception whose text itself fails
        text = ""
    return f"{_exc_name(exc)}: {text}" if text else _exc_name(exc)


def seed_run() -> None:
    """Give the candidate the same pseudo-random state in every run: ``random.seed(0)``.

    The template seeds ``random`` once, but ``random`` reseeds itself from the OS in every
    forked child (its ``os.register_at_fork`` hook), so an unseeded ``random.shuffle`` got
    another permutation, and another count and maybe verdict, on every run. Called last
    before the candidate, so trusted setup code or a generator that draws from the global
    instance does not shift it. numpy's legacy global generator is seeded too when numpy is
    already imported (the sandbox images do not carry numpy; an image that adds it should
    preload it, or a candidate's ``import numpy`` seeds it from the OS inside the count).
    Entropy stays entropy: ``os.urandom``, ``secrets``, ``random.SystemRandom``, a new
    ``random.Random()`` without a seed, ``uuid.uuid4``, the clock and the run's pid are not
    repeatable; a program that depends on them is judged on the run it gets.
    """
    for name in ("random", "numpy.random"):
        module = sys.modules.get(name)
        if module is not None:
            module.seed(0)


def _exc_name(exc: BaseException) -> str:
    return type(exc).__name__[:80]


def run_child(req: dict[str, Any], result_fd: int, arm_fd: int, ready_fd: int | None, go_fd: int | None) -> None:
    """Runs in the forked child: set up, then hand over to the native counted region.

    Everything here happens before the candidate runs, so a failure is not the candidate's:
    one of the problem's trusted code (its setup, inputs, generator, encoder) is the
    problem's (``problem_error``), any other the harness's own (``harness_error``); both
    are written before arming, which is what lets the zygote trust them (a candidate's
    frame comes after). ``_rsmeter.run`` never returns: it arms the run, opens the count,
    runs the candidate, closes the count and writes the one result frame from native code.
    """
    try:
        os.chdir(SCRATCH)
        # The run's CPU limit holds from here: trusted code that spins before the candidate
        # starts ends at it, unarmed, as the problem's failure (zygote.interpret).
        _cpu_limit(req["limits"])
        setup_ns: dict[str, Any] = {"__name__": "__setup__", "__builtins__": __builtins__}
        if req.get("setup"):
            try:
                exec(_code(req["setup"], "<setup>"), setup_ns)  # trusted
            except BaseException as exc:  # noqa: BLE001 - the problem's setup, not the harness's
                raise ProblemCodeFailure("setup", None, exc) from None
        calls = [(tuple(args), dict(kwargs)) for args, kwargs in _build_inputs(req, setup_ns)]
        encoder = None
        if req.get("output_encoder"):
            try:
                enc_ns: dict[str, Any] = dict(setup_ns)
                exec(_code(req["output_encoder"], "<encoder>"), enc_ns)  # trusted
                encoder = enc_ns["encode"]
            except BaseException as exc:  # noqa: BLE001 - the problem's encoder, not the harness's
                raise ProblemCodeFailure("encoder", None, exc) from None
        # A str: the zygote did not compile it (it does not compile, or not in the zygote's
        # time): the region compiles it after arming, so that its failure (a syntax error, a
        # compilation past the run's limits) is the candidate's.
        code: Any = req["code"]
        entry = req["entry"]
        owner, method = (entry["class_name"], entry["function"]) if entry["class_name"] else (entry["function"], None)
        ns: dict[str, Any] = dict(setup_ns)
        ns["__name__"] = "__candidate__"
        _limits(req["limits"])
        seed_run()
        install_policy(SCRATCH, METER_DIR)
        if ready_fd is not None and go_fd is not None:  # hardware counters: enabled for this pid now
            os.write(ready_fd, b"R")
            os.read(go_fd, 1)
            os.close(go_fd)
            os.close(ready_fd)
        # QEMU applies no guest memory limit (its own allocations would fail): the plugin sets
        # the run's RLIMIT_AS on the host when _rsmeter.run seals the run
        mem_limit = dict(_limit_values(req["limits"], _vm_size())).get(resource.RLIMIT_AS, 0) if METERED == 2 else 0
        dumps = wire.dumps_output if req.get("digest") is not False else wire.dumps
        call_limits = req.get("call_cpu_s")  # per-input limits: unmetered runs only
        call_limits = [float(x) for x in call_limits] if call_limits is not None and not METERED else None
        _rsmeter.run(code, ns, owner, method, calls, encoder, dumps, result_fd, arm_fd, METERED,
                     os.path.join(SCRATCH, COUNT_NAME) if METERED else None, req.get("prelude"), mem_limit,
                     call_limits)
    except ProblemCodeFailure as exc:  # the problem's own code failed before the candidate ran
        write_frame(result_fd, exc.report())
    except BaseException as exc:  # noqa: BLE001 - the harness failed before the candidate ran
        write_frame(result_fd, {"harness_error": f"{_exc_name(exc)}: {str(exc)[:300]}"})
    os._exit(4)
