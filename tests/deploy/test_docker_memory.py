"""A sandbox container's memory: what it holds, and whose fault it is when it runs out.

A container's memory limit is its cgroup's: the kernel kills a process there, the run's or
the zygote's, whichever is larger. So a container is sized for a run at its problem's
limits plus the zygote decoding its outputs, a run that does not fit is refused as the
infrastructure's error, and a run killed at the container's limit all the same is the
candidate's ``memory``: never a reward null, never a crash to run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_service.errors import SandboxError
from reward_service.problem import EntryPoint
from reward_service.sandbox.base import RunSpec, RunStatus
from reward_service.sandbox.docker_backend import DockerSandbox
from reward_service.settings import MeterSettings, SandboxSettings, Settings

pytestmark = pytest.mark.docker

MEMORY_MB = 2400  # the least a container may have: the zygote's share of decoding outputs


@pytest.fixture(scope="module")
def sandbox(sandbox_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerSandbox]:
    settings = Settings(
        data_dir=Path(tmp_path_factory.mktemp("docker-memory")),
        sandbox=SandboxSettings(backend="docker", docker_image=sandbox_image, docker_pool_size=1, concurrency=1,
                                docker_memory_mb=MEMORY_MB),
        meter=MeterSettings(backend="callgrind"),
    )
    sb = DockerSandbox(settings)
    try:
        yield sb
    finally:
        sb.close()


def spec(code: str, memory_mb: int = 1024, cpu_s: float = 20.0) -> RunSpec:
    return RunSpec(code=code, entry=EntryPoint(function="f"), inputs=[{"args": [1], "kwargs": {}}],
                   cpu_s=cpu_s, memory_mb=memory_mb)


def test_the_container_is_given_the_memory_it_is_sized_for(sandbox: DockerSandbox) -> None:
    code = "def f(n):\n    return int(open('/sys/fs/cgroup/memory/memory.limit_in_bytes').read())\n"
    out = sandbox.run_untrusted(spec(code))
    if out.status is not RunStatus.ok:  # cgroup v2
        out = sandbox.run_untrusted(spec("def f(n):\n    return int(open('/sys/fs/cgroup/memory.max').read())\n"))
    assert out.status is RunStatus.ok, out
    assert out.outputs == [MEMORY_MB << 20]


def test_a_run_that_does_not_fit_a_container_is_refused_not_run_short(sandbox: DockerSandbox) -> None:
    # MBPP+'s problems allow 4 GiB a run: in a 2 GiB container a correct solution that used
    # 3 GiB would have been killed (a 0.0 the embedded backend does not give)
    assert not sandbox.fits(spec("def f(n):\n    return n\n", memory_mb=4096))
    with pytest.raises(SandboxError, match="docker_memory_mb"):
        sandbox.run_untrusted(spec("def f(n):\n    return n\n", memory_mb=4096))


def test_a_run_killed_at_the_containers_memory_is_the_runs_memory_limit(sandbox: DockerSandbox) -> None:
    # Defence in depth: should a run reach its container's memory after all (memory the
    # sizing does not foresee, or a container sized short, as here past ``fits``), the
    # kernel kills the largest process, the run's; the zygote sees the container's OOM kill
    # and reports the run's memory limit, not a crash to run again.
    from reward_service.sandbox.zygote import PooledSandbox

    code = """
def f(n):
    held = b"y" * (3000 << 20)
    return len(held)
"""
    out = PooledSandbox.run_untrusted(sandbox, spec(code, memory_mb=4096))
    assert out.status is RunStatus.memory, out
    assert out.limit == "memory"
    # the container was replaced, and the next run is clean
    assert sandbox.run_untrusted(spec("def f(n):\n    return n + 1\n")).outputs == [2]
