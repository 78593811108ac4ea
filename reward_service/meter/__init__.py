"""Meters: how the instructions of a candidate's run are counted."""

from __future__ import annotations

from .base import Meter, Reading
from .callgrind import CallgrindMeter
from .hardware import HardwareMeter, probe
from .native import build_extension, build_plugin
from .qemu import QemuMeter, probe_qemu

__all__ = [
    "Meter", "Reading", "CallgrindMeter", "HardwareMeter", "QemuMeter", "probe", "probe_qemu", "build_extension",
    "build_plugin",
]
