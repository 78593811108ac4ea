"""One settings class for the whole service: environment variables with the ``REWARD_`` prefix.

Nested groups use ``__``: ``REWARD_METER__BACKEND=callgrind``, ``REWARD_API__TOKENS='["t1"]'``.
Get them with :func:`get_settings` (cached); tests build their own ``Settings(...)``.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "Settings",
    "SandboxSettings",
    "MeterSettings",
    "ApiSettings",
    "WorkerSettings",
    "get_settings",
    "MeterBackendName",
]

MeterBackendName = Literal["auto", "perf", "qemu", "callgrind"]


class SandboxSettings(BaseModel):
    backend: Literal["embedded", "docker"] = Field(default="embedded", description="Where candidates run.")
    python: str = Field(
        default_factory=lambda: "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable,
        description="Interpreter that runs candidates (embedded); must be readable by any user.",
    )
    isolation: Literal["bwrap", "none"] = Field(
        default="bwrap",
        description="bwrap: namespaces via bubblewrap. none: rlimits only, for hosts that cannot "
        "create namespaces (refused outside development).",
    )
    scratch_mb: int = Field(default=64, ge=1, le=4096, description="Private writable /tmp per run.")
    max_output_bytes: int = Field(
        default=128 << 20, ge=1024, description="Cap on a run's result and on any file it writes."
    )
    max_processes: int = Field(default=32, ge=1, le=4096, description="Processes a candidate may start.")
    max_open_files: int = Field(default=64, ge=16, le=4096)
    concurrency: int = Field(default=max(1, (os.cpu_count() or 1)), ge=1, le=256, description="Parallel runs.")
    docker_image: str = Field(default="reward-service-sandbox:latest")
    docker_pool_size: int = Field(default=2, ge=1, le=64)
    docker_runs_per_container: int = Field(default=200, ge=1)
    docker_memory_mb: int = Field(
        default=6144, ge=512, le=1 << 20,
        description="Memory limit of each plain sandbox container (metered ones get 2 GiB more for the meter): a run, "
        "its scratch files and output, and the zygote that decodes them. A run whose limits.memory_mb does not fit "
        "(see DockerSandbox.fits) is refused as an infrastructure error, never run short of memory.",
    )


class MeterSettings(BaseModel):
    backend: MeterBackendName = Field(
        default="auto",
        description="auto: hardware counters when the host has them, else QEMU user mode with the counting "
        "plugin when qemu-user is installed, else callgrind.",
    )
    valgrind: str = Field(default="valgrind")
    qemu: str = Field(default="", description="QEMU user-mode emulator (default: qemu-<machine> on PATH).")
    hash_seed: int = Field(default=0, ge=0, description="PYTHONHASHSEED of metered runs (determinism).")


class ApiSettings(BaseModel):
    tokens: list[str] = Field(default_factory=list, description="Accepted bearer tokens.")
    max_request_bytes: int = Field(default=32 << 20, ge=1024)
    max_groups: int = Field(default=1024, ge=1)
    max_responses_per_group: int = Field(default=256, ge=1)
    max_code_chars: int = Field(default=100_000, ge=100)
    max_queued_tasks: int = Field(
        default=20_000, ge=1,
        description="Backpressure bound: 429 for new tasks past it while the queue is busy (an empty queue takes any batch).",
    )
    sync_deadline_s: float = Field(default=600.0, gt=0, description="Server-side deadline of /v1/rewards.")
    retry_after_s: int = Field(default=5, ge=1, le=3600, description="Retry-After (seconds) sent with 429.")
    group_deadline_s: float = Field(
        default=600.0, gt=0, description="Default and longest deadline of POST /v1/groups/members (a caller waits for its group)."
    )
    openrlhf_n: int = Field(default=8, ge=1, le=4096, description="Group size of /v1/compat/openrlhf without ?n=.")
    openrlhf_deadline_s: float = Field(
        default=150.0, gt=0, lt=180, description="Deadline of /v1/compat/openrlhf (OpenRLHF gives up after 180 s)."
    )


class WorkerSettings(BaseModel):
    visibility_timeout_s: float = Field(default=300.0, gt=0, description="Reclaim tasks idle this long.")
    max_attempts: int = Field(default=3, ge=1, description="Attempts before dead-lettering a task.")
    heartbeat_s: float = Field(default=5.0, gt=0)
    concurrency: int = Field(default=1, ge=1, le=64)
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Serve this worker's Prometheus metrics on this port."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REWARD_", env_nested_delimiter="__", extra="ignore")

    environment: Literal["development", "production"] = "development"
    redis_url: str | None = Field(default=None, description="redis://host:6379/0; unset: in-process queue.")
    data_dir: Path = Field(default=Path.home() / ".cache" / "reward-service")
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    meter: MeterSettings = Field(default_factory=MeterSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.environment != "development":
            if not self.api.tokens or any(t in {"", "changeme", "change-me"} or len(t) < 16 for t in self.api.tokens):
                raise ValueError("outside development, REWARD_API__TOKENS must hold real tokens (>= 16 chars)")
            if self.sandbox.backend == "embedded" and self.sandbox.isolation == "none":
                raise ValueError("sandbox isolation 'none' is for development only")
        return self


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
