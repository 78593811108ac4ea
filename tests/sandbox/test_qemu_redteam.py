"""The red-team findings again, counted by the qemu meter (see ``test_qemu_hostile.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.meter.qemu import qemu_binary
from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings

from .test_redteam import *  # noqa: F403 - the same tests, collected again here

pytestmark = pytest.mark.skipif(qemu_binary() is None, reason="qemu-user is not installed (scripts/install.sh)")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=Path(tmp_path_factory.mktemp("qemu-data")),
        sandbox=SandboxSettings(concurrency=2),
        meter=MeterSettings(backend="qemu"),
    )


@pytest.fixture(scope="module")
def scorer(settings: Settings) -> Iterator[Scorer]:
    with Scorer(settings) as s:
        assert s.meter_name == "qemu"
        yield s
