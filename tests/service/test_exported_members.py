"""The service package exports what it means to, and each module's __all__ is real."""

from __future__ import annotations

import importlib
import pkgutil

import reward_service.service as service


def test_package_exports() -> None:
    assert set(service.__all__) == {
        "create_app", "Backend", "open_backend", "serve", "worker", "Job", "JobState",
        "Task", "TaskQueue", "RedisTaskQueue", "LocalTaskQueue", "Worker",
    }  # fmt: skip
    for name in service.__all__:
        assert hasattr(service, name), name


def test_every_module_declares_all() -> None:
    for info in pkgutil.walk_packages(service.__path__, prefix="reward_service.service."):
        if info.name.endswith(".__main__"):
            continue
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            assert hasattr(module, name), f"{info.name}.{name}"
