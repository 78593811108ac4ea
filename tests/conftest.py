"""Shared fixtures: a real scorer (bubblewrap sandbox, callgrind meter) for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.scoring import Scorer
from reward_service.settings import MeterSettings, SandboxSettings, Settings


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=Path(tmp_path_factory.mktemp("data")),
        sandbox=SandboxSettings(concurrency=2),
        meter=MeterSettings(backend="callgrind"),
    )


@pytest.fixture(scope="session")
def scorer(settings: Settings) -> Iterator[Scorer]:
    with Scorer(settings) as s:
        yield s


@pytest.fixture(scope="module")
def honest(scorer: Scorer) -> int:
    """The count of an honest loop on the hostile suite's problem (with the module's scorer)."""
    from .sandbox.test_hostile import HONEST_LOOP, evaluate

    m = evaluate(scorer, HONEST_LOOP)
    assert m.verdict.value == "passed", m.diagnostic
    assert m.instructions is not None
    return m.instructions
