"""Meter selection: hardware counters where the host has them, callgrind otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from reward_service.errors import MeterUnavailable
from reward_service.meter import CallgrindMeter, HardwareMeter, build_extension, probe
from reward_service.meter.qemu import qemu_binary
from reward_service.sandbox.factory import make_meter
from reward_service.sandbox.protocol import TOKEN_SIZE, decode_result, read_count
from reward_service.settings import MeterSettings, Settings


def test_probe_says_clearly_whether_counters_exist(settings: Settings) -> None:
    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    reason = probe(settings.sandbox.python, ext)
    if reason is None:  # a host with counters: the hardware meter must start
        assert HardwareMeter(settings.sandbox.python, ext).name == "perf"
    else:
        assert "perf_event_open" in reason or "count" in reason
        with pytest.raises(MeterUnavailable):
            HardwareMeter(settings.sandbox.python, ext)


def test_auto_falls_back_to_qemu_then_callgrind_without_counters(settings: Settings) -> None:
    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    meter, _ = make_meter(settings.model_copy(update={"meter": MeterSettings(backend="auto")}))
    expected = "perf" if probe(settings.sandbox.python, ext) is None else "qemu" if qemu_binary() else "callgrind"
    assert meter.name == expected
    forced, _ = make_meter(settings.model_copy(update={"meter": MeterSettings(backend="callgrind")}))
    assert isinstance(forced, CallgrindMeter)


def test_perf_backend_refuses_loudly_without_counters(settings: Settings) -> None:
    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    if probe(settings.sandbox.python, ext) is None:
        pytest.skip("this host has hardware counters")
    with pytest.raises(MeterUnavailable, match="not supported"):
        make_meter(settings.model_copy(update={"meter": MeterSettings(backend="perf")}))


def test_count_file_is_read_strictly(tmp_path: Path) -> None:
    """The zygote accepts exactly one plain count file, the run's own."""
    count_dir = tmp_path / "count"
    count_dir.mkdir()
    assert read_count(str(count_dir), 42)[0] is None  # none written
    (count_dir / "callgrind.out.42").write_bytes(b"version: 1\ncmd: x\nsummary: 12345\ntotals: 12345\n")
    assert read_count(str(count_dir), 42) == (12345, None)
    (count_dir / "callgrind.out.43").write_bytes(b"summary: 1\n")  # another process's (or a forged) file
    assert read_count(str(count_dir), 42)[0] is None
    (count_dir / "callgrind.out.43").unlink()
    (count_dir / "callgrind.out.42").unlink()
    (count_dir / "callgrind.out.42").symlink_to("/etc/hostname")
    assert read_count(str(count_dir), 42)[0] is None
    (count_dir / "callgrind.out.42").unlink()
    (count_dir / "callgrind.out.42").write_bytes(b"garbage")
    assert "summary" in (read_count(str(count_dir), 42)[1] or "")
    (count_dir / "callgrind.out.42").unlink()
    (count_dir / "qemu.42").write_bytes(b"summary: 777\n")  # the qemu meter's file
    assert read_count(str(count_dir), 42, "qemu") == (777, None)
    assert read_count(str(count_dir), 42)[0] is None  # not callgrind's


def test_the_counted_region_is_one_shot(settings: Settings) -> None:
    """quiet() works once; run() enters once and refuses every later call, from anywhere."""
    import subprocess

    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    inner = (
        "def f():\n"
        "    try:\n"
        "        _rsmeter.run(None, {}, 'f', None, [], None, None, 1, -1, False, None)\n"
        "    except PermissionError:\n"
        "        return 'refused'\n"
        "    return 'entered twice'\n"
    )
    script = (
        f"import json, sys\nsys.path.insert(0, {str(ext.parent)!r})\nimport _rsmeter\n_rsmeter.quiet()\n"
        "try:\n    _rsmeter.quiet()\n    raise SystemExit('quiet twice')\nexcept PermissionError:\n    pass\n"
        f"code = compile({inner!r}, 'c', 'exec')\n"
        "_rsmeter.run(code, {'_rsmeter': _rsmeter}, 'f', None, [((), {})], None, json.dumps, 1, -1, False, None)\n"
    )
    proc = subprocess.run([settings.sandbox.python, "-c", script], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    frame = proc.stdout
    assert int.from_bytes(frame[:4], "big") == len(frame) - 4 and frame[4:5] == b"C"
    assert decode_result(frame[5 + TOKEN_SIZE :])["outputs"] == ["refused"]
