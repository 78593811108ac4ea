"""The scoring core's whole hostile-candidate suite, run against the Docker backend.

The tests are the ones of ``tests/sandbox/test_hostile.py``, ``test_integrity.py`` and ``test_redteam.py``,
imported here; only the ``scorer`` fixture differs: its sandbox is a pool of hardened containers of the
sandbox image.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings

from ..sandbox.test_hostile import *  # noqa: F403 - the same tests, collected again here
from ..sandbox.test_integrity import *  # noqa: F403
from ..sandbox.test_redteam import *  # noqa: F403

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def scorer(sandbox_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorer]:
    settings = Settings(
        data_dir=Path(tmp_path_factory.mktemp("docker-data")),
        sandbox=SandboxSettings(backend="docker", docker_image=sandbox_image, docker_pool_size=2, concurrency=2),
        meter=MeterSettings(backend="callgrind"),
    )
    with Scorer(settings) as s:
        assert s.sandbox.name == "docker"
        yield s
