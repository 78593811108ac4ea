"""The Docker backend with the qemu meter: the image's qemu-user and plugin count, with the same walls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.meter.identity import resolve_backend
from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings
from reward_service.verdict import Verdict

from ..sandbox import test_hostile as hostile
from ..sandbox import test_integrity as integrity
from ..sandbox.test_hostile import HONEST_LOOP, evaluate

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def docker_qemu(sandbox_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorer]:
    settings = Settings(
        data_dir=Path(tmp_path_factory.mktemp("docker-qemu")),
        sandbox=SandboxSettings(backend="docker", docker_image=sandbox_image, docker_pool_size=1, concurrency=1),
        meter=MeterSettings(backend="auto"),
    )
    assert resolve_backend(settings) == "qemu"  # containers have no counters: auto is the image's QEMU
    with Scorer(settings) as s:
        assert s.sandbox.name == "docker" and s.meter_name == "qemu"
        yield s


def test_docker_qemu_counts_repeat_and_agree_with_callgrind(docker_qemu: Scorer, scorer: Scorer) -> None:
    first, second = evaluate(docker_qemu, HONEST_LOOP), evaluate(docker_qemu, HONEST_LOOP)
    assert first.verdict is Verdict.passed and first.meter == "qemu", first.diagnostic
    assert first.instructions == second.instructions
    reference = evaluate(scorer, HONEST_LOOP).instructions  # embedded callgrind
    assert first.instructions is not None and reference is not None
    assert abs(first.instructions / reference - 1) < 1e-2


def test_docker_qemu_keeps_the_walls(docker_qemu: Scorer) -> None:
    """Memory limit (set by the plugin on the host), process creation (its host-side filter), forged counts."""
    hostile.test_memory_bomb(docker_qemu)
    hostile.test_fork_bomb(docker_qemu)
    honest = evaluate(docker_qemu, HONEST_LOOP).instructions
    assert honest is not None
    integrity.test_forged_count_file_is_replaced_by_the_real_one(docker_qemu, honest)
