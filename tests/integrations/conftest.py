"""The service tests' fixtures (real Redis, uvicorn, a prepared data dir) for the adapters' tests."""

from __future__ import annotations

from ..service.conftest import data_dir, make_cluster, redis_server

__all__ = ["data_dir", "make_cluster", "redis_server"]
