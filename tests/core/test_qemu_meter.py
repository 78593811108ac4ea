"""The qemu meter: its plugin's markers, its fail-closed seal, its choice by ``auto``, and its counts."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.meter import QemuMeter, build_extension, build_plugin, probe
from reward_service.meter.identity import choose_auto
from reward_service.meter.qemu import qemu_binary
from reward_service.sandbox.factory import make_meter
from reward_service.sandbox.protocol import read_count
from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings
from reward_service.verdict import Verdict

from ..sandbox.test_hostile import HONEST_LOOP, PROBLEM, REFERENCE

pytestmark = pytest.mark.skipif(qemu_binary() is None, reason="qemu-user is not installed (scripts/install.sh)")

MARKERS = Path(__file__).with_name("data") / "markers.c"


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = Path(tmp_path_factory.mktemp("markers")) / "markers"
    subprocess.run([shutil.which("cc") or "gcc", "-O1", "-o", str(out), str(MARKERS)], check=True, timeout=60)
    return out


def _count(plugin: Path, program: Path, scenario: str, tmp: Path) -> tuple[int, list[str], int | None]:
    count_dir = tmp / scenario
    count_dir.mkdir()
    proc = subprocess.run([qemu_binary() or "", "-plugin", f"{plugin},dir={count_dir},mode=tb", str(program), scenario],
                          capture_output=True, timeout=60)
    names = sorted(p.name for p in count_dir.iterdir())
    value = read_count(str(count_dir), int(names[0].split(".")[1]), "qemu")[0] if names else None
    return proc.returncode, names, value


def test_plugin_counts_only_an_ordered_sealed_region_of_one_process(settings: Settings, markers: Path,
                                                                   tmp_path: Path) -> None:
    """Seal, open and close once each, in order, with the seal's nonce; the count is per process."""
    plugin = build_plugin(settings.data_dir / "native")
    rc, names, plain = _count(plugin, markers, "plain", tmp_path)
    assert rc == 0, "a fork after the seal must be refused by the host-side filter"
    assert len(names) == 1 and plain is not None  # the child's file only: the parent never marked
    assert plain < 200_000  # the parent's 1M-iteration loop before the fork is not in it
    _, _, big = _count(plugin, markers, "big", tmp_path)
    assert big is not None and 1.9 < big / plain < 2.1
    _, _, early = _count(plugin, markers, "early-close", tmp_path)
    assert early == plain  # a second open/close after the close changes nothing
    assert _count(plugin, markers, "exit-marker", tmp_path)[2] == plain  # written by the exit marker
    for forged in ("wrong-nonce", "unsealed"):
        assert _count(plugin, markers, forged, tmp_path)[1] == []  # no count at all


def test_region_does_not_arm_without_the_plugins_seal(settings: Settings) -> None:
    """Under QEMU without the plugin, no filter is in place: the region refuses before arming."""
    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    script = (f"import sys\nsys.path.insert(0, {str(ext.parent)!r})\nimport _rsmeter\n"
              "_rsmeter.run(compile('0', 'c', 'exec'), {}, 'f', None, [], None, None, 1, -1, 2, '/nonexistent')\n")
    proc = subprocess.run([qemu_binary() or "", settings.sandbox.python, "-S", "-c", script], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1 and "OSError" in proc.stderr, proc.stderr


def test_auto_prefers_counters_then_qemu(settings: Settings) -> None:
    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    name, why = choose_auto(settings.sandbox.python, str(settings.data_dir))
    assert name == ("perf" if probe(settings.sandbox.python, ext) is None else "qemu"), why
    meter, _ = make_meter(settings.model_copy(update={"meter": MeterSettings(backend="qemu")}))
    assert isinstance(meter, QemuMeter) and meter.name == "qemu"


@pytest.fixture(scope="module")
def qemu_scorer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorer]:
    settings = Settings(data_dir=Path(tmp_path_factory.mktemp("qemu-core")), sandbox=SandboxSettings(concurrency=1),
                        meter=MeterSettings(backend="qemu"))
    with Scorer(settings) as s:
        yield s


def test_counts_repeat_and_agree_with_callgrind(scorer: Scorer, qemu_scorer: Scorer) -> None:
    """Spread 0 over repeats; within 0.1% of callgrind's count of the same region."""
    for code in (HONEST_LOOP, REFERENCE):
        counts = {qemu_scorer.evaluate(PROBLEM, code).instructions for _ in range(3)}
        assert len(counts) == 1 and None not in counts, counts
        reference = scorer.evaluate(PROBLEM, code)
        assert reference.verdict is Verdict.passed and reference.instructions is not None
        assert abs(counts.pop() / reference.instructions - 1) < 1e-3  # type: ignore[operator]


def test_cache_and_results_carry_the_resolved_meter(qemu_scorer: Scorer) -> None:
    from reward_service.meter.identity import environment_tag

    assert environment_tag(qemu_scorer.settings, qemu_scorer.meter_name).startswith("qemu|")
    m = qemu_scorer.evaluate(PROBLEM, HONEST_LOOP)
    assert m.verdict is Verdict.passed and m.meter == "qemu"


def test_the_environment_tag_carries_the_harness_version(qemu_scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    # A change to the harness or the meter's native code can move counts (where the
    # allocator's arenas lay moved a loop's by 2.2%): counts cached by another version
    # must not be reused beside this one's, and a Docker image tag says nothing of it.
    from reward_service.meter import identity

    tag = identity.environment_tag(qemu_scorer.settings, qemu_scorer.meter_name)
    assert tag.endswith(f"|harness={identity.harness_version()}")
    identity.harness_version.cache_clear()
    monkeypatch.setattr(identity, "_COUNTED_SOURCES", identity._COUNTED_SOURCES[:-1])
    try:
        assert identity.environment_tag(qemu_scorer.settings, qemu_scorer.meter_name) != tag
    finally:
        identity.harness_version.cache_clear()


# Threads in C code that releases the GIL run in parallel under QEMU (a host thread each),
# and the plugin's inline add (load, add, store) lost their counts: 8 threads compressing
# 100 KB each counted 269M-373M against 516M run one after the other (a red-team finding).
# A run that starts a thread is counted by atomic callbacks from then on.
ZLIB_THREADS = """
import threading, zlib
def f(n, together):
    bufs = [bytes((i * 7 + j) % 251 for j in range(100_000)) for i in range(n)]
    out = [0] * n
    def work(i):
        out[i] = zlib.crc32(zlib.compress(bufs[i], 9))
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
        if not together:
            t.join()
    for t in threads:
        t.join()
    return sum(out)
"""


def test_threads_running_in_parallel_are_counted_whole(qemu_scorer: Scorer) -> None:
    from reward_service.problem import EntryPoint
    from reward_service.sandbox.base import RunSpec

    def count(s: Scorer, together: bool) -> int:
        spec = RunSpec(code=ZLIB_THREADS, entry=EntryPoint(function="f"), inputs=[{"args": [8, together]}],
                       measure=True, cpu_s=60)
        outcome = s.sandbox.run_untrusted(spec)
        assert outcome.instructions is not None, outcome.message
        return outcome.instructions

    one_by_one = count(qemu_scorer, False)
    for _ in range(3):
        assert abs(count(qemu_scorer, True) - one_by_one) < one_by_one * 0.001


# glibc copied large blocks with `rep movsb` past a size it picks from the cache sizes the CPU
# reports, and QEMU and valgrind count that instruction once a byte, where the vector loops
# cost ~0.1: 64 MB copied in 2 MB pieces counted 41M under callgrind, 101M under QEMU; in
# 16 MB pieces 39M and 41M. The sandbox sets glibc's thresholds so one vector loop copies
# every block (harness.GLIBC_TUNABLES).
COPY = """
BUF = bytearray(32 << 20)
def f(piece):
    mv = memoryview(BUF)
    for _ in range((64 << 20) // piece):
        bytes(mv[0:piece])
    return piece
"""


def test_a_copys_count_depends_neither_on_its_piece_size_nor_on_the_meter(qemu_scorer: Scorer, scorer: Scorer) -> None:
    from reward_service.problem import EntryPoint
    from reward_service.sandbox.base import RunSpec

    def count(s: Scorer, piece: int) -> int:
        spec = RunSpec(code=COPY, entry=EntryPoint(function="f"), inputs=[{"args": [piece]}], measure=True, cpu_s=60)
        outcome = s.sandbox.run_untrusted(spec)
        assert outcome.instructions is not None, outcome.message
        return outcome.instructions

    counts = {(name, piece): count(s, piece) for name, s in (("qemu", qemu_scorer), ("callgrind", scorer))
              for piece in (1 << 20, 2 << 20, 16 << 20)}
    low, high = min(counts.values()), max(counts.values())
    assert high < low * 1.05, counts
