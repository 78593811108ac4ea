"""The whole hostile-candidate and integrity suite again, counted by the qemu meter.

The tests are the ones of ``test_hostile.py``, ``test_integrity.py`` and ``test_redteam.py``,
imported here; only
the ``settings`` and ``scorer`` fixtures differ: the metered runs go through QEMU user mode
and its counting plugin, whose region markers, host-side seccomp filter and memory limit
must hold exactly as callgrind's region does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.meter.qemu import qemu_binary
from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings

from .test_hostile import *  # noqa: F403 - the same tests, collected again here
from .test_integrity import *  # noqa: F403
from .test_redteam import *  # noqa: F403

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
