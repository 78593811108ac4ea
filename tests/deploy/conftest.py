"""Fixtures for the deployment tests: a running Docker engine and the images, built locally.

Everything is built from the debootstrap base (no registry needed). The engine is started
by ``scripts/docker-up.sh``; the tests skip, saying why, only when that fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("BASE_IMAGE", "reward-service-base:bookworm")
SANDBOX_IMAGE = os.environ.get("SANDBOX_IMAGE", "reward-service-sandbox:latest")  # a tag of its own per checkout
SERVICE_IMAGE = "reward-service:latest"

#: how every sandbox container runs (the Docker backend's flags, for the image tests)
HARDENED = (
    "--network", "none", "--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m",
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "10001:10001",
    "--memory", "1g", "--pids-limit", "64",
)


def sh(args: Sequence[str], timeout: float = 600, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kw)  # type: ignore[call-overload]
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc  # type: ignore[no-any-return]


def extra_ca_pem() -> str:
    """CA certificates this host adds (a TLS-intercepting proxy), for pip inside builds."""
    return "".join(Path(p).read_text() for p in sorted(glob.glob("/usr/local/share/ca-certificates/*.crt")))


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """Start the engine (installing it if needed); skip only when that is impossible."""
    script = ROOT / "scripts" / "docker-up.sh"
    if os.geteuid() != 0 and shutil.which("sudo") is None and shutil.which("docker") is None:
        pytest.skip("docker is not installed and cannot be installed (not root, no sudo)")
    proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.skip(f"cannot start a Docker engine: {(proc.stderr or proc.stdout).strip()[-500:]}")
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def base_image(docker_engine: str) -> str:
    sh([str(ROOT / "scripts" / "build-base-image.sh")], timeout=900, env={**os.environ, "BASE_IMAGE": BASE_IMAGE})
    return BASE_IMAGE


@pytest.fixture(scope="session")
def sandbox_image(base_image: str) -> str:
    sh(["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={base_image}",
        "-f", "sandbox_images/python/Dockerfile", "-t", SANDBOX_IMAGE, "."], timeout=900)
    return SANDBOX_IMAGE


def run_hardened(image: str, *command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return sh(["docker", "run", "--rm", *HARDENED, image, *command], timeout=timeout, check=False)
