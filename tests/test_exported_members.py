"""The package's public names are the ones we meant (httpx's habit)."""

import reward_service


def test_exported_members() -> None:
    exported = set(reward_service.__all__)
    assert exported == {
        "Problem", "load_problems", "Scorer", "assemble_group", "ScoreOptions", "GroupResult", "ResponseResult",
        "Measurement", "Verdict", "Settings", "get_settings", "RewardServiceError", "efficiency_rewards",
        "reward_for", "__version__",
    }
    for name in exported:
        assert hasattr(reward_service, name), name
