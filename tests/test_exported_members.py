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


def test_client_and_integrations_declare_all() -> None:
    import importlib
    import pkgutil

    import reward_service.client as client
    import reward_service.integrations as integrations

    assert set(client.__all__) >= {"RewardClient", "AsyncRewardClient", "RetryPolicy", "ServiceError", "TransportFailed"}
    for package in (client, integrations):
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            module = importlib.import_module(info.name)
            assert hasattr(module, "__all__"), info.name
            for name in module.__all__:
                assert hasattr(module, name), f"{info.name}.{name}"
