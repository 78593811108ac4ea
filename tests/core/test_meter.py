"""Meter selection: hardware counters where the host has them, callgrind otherwise."""

from __future__ import annotations

import pytest

from reward_service.errors import MeterUnavailable
from reward_service.meter import CallgrindMeter, HardwareMeter, build_extension, probe
from reward_service.meter.callgrind import parse_total
from reward_service.scoring import make_meter
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


def test_auto_falls_back_to_callgrind_without_counters(settings: Settings) -> None:
    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    meter, _ = make_meter(settings.model_copy(update={"meter": MeterSettings(backend="auto")}))
    expected = "perf" if probe(settings.sandbox.python, ext) is None else "callgrind"
    assert meter.name == expected
    forced, _ = make_meter(settings.model_copy(update={"meter": MeterSettings(backend="callgrind")}))
    assert isinstance(forced, CallgrindMeter)


def test_perf_backend_refuses_loudly_without_counters(settings: Settings) -> None:
    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    if probe(settings.sandbox.python, ext) is None:
        pytest.skip("this host has hardware counters")
    with pytest.raises(MeterUnavailable, match="not supported"):
        make_meter(settings.model_copy(update={"meter": MeterSettings(backend="perf")}))


def test_parse_total() -> None:
    assert parse_total(b"version: 1\ncmd: x\nsummary: 12345\ntotals: 12345\n") == 12345
    with pytest.raises(ValueError):
        parse_total(b"garbage")


def test_meter_helper_is_one_shot(settings: Settings) -> None:
    """A candidate cannot restart or stop the count: quiet() and start() work once each, in order."""
    import subprocess

    ext = build_extension(settings.sandbox.python, settings.data_dir / "native")
    script = f"""
import sys
sys.path.insert(0, {str(ext.parent)!r})
import _rsmeter
def refused(fn):
    try:
        fn()
    except PermissionError:
        return True
    return False
assert refused(_rsmeter.start)          # a run cannot start before the template quieted
_rsmeter.quiet()
assert refused(_rsmeter.quiet)
_rsmeter.start()
assert refused(_rsmeter.start)          # a second start would switch collection off
assert refused(_rsmeter.quiet)
print("ok")
"""
    proc = subprocess.run([settings.sandbox.python, "-c", script], capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "ok", proc.stderr
