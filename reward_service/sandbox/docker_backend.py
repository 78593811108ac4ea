"""The Docker sandbox: zygotes in warm, hardened containers on a Docker engine.

Same interface and guarantees as the embedded backend; only how a zygote starts differs.
Each container runs ``/opt/rs/relay.py`` (sandbox_images/python), which runs the same
harness and speaks the same zygote protocol over the container's attached stdin/stdout,
so every run is still a fresh fork. Containers are created with:

    --network none --read-only --tmpfs /tmp --ipc none --tmpfs /dev/mqueue:ro --cap-drop ALL
    --security-opt no-new-privileges --user <uid> --memory --pids-limit --cpus

and Docker's default seccomp profile, with an explicit minimal environment: the scratch
directory is the only place a run can write (the zygote checks so at start). Each slot has its own uid (per-uid process limits
of one container do not touch another). A container is replaced after
``docker_runs_per_container`` runs, after any anomaly (a run that was killed, hit a limit,
left processes behind or left no result) and when its stream ends; the pool replaces
containers that die. Counts are read inside the container by the zygote, as on
the embedded backend, so the host shares no directory with the sandbox (a worker that
itself runs in a container could not name host paths for bind mounts). Docker's default seccomp profile refuses
``perf_event_open`` and ``personality(ADDR_NO_RANDOMIZE)``, so the meter is QEMU's (the
image carries qemu-user and the counting plugin, built at image build time; ``auto``) or
callgrind's (``REWARD_METER__BACKEND=callgrind``).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import struct
import threading
import time
from typing import Any

from ..capacity import METER_RESERVE_MB, memory_fits
from ..errors import SandboxError
from ..meter.base import Meter
from ..meter.callgrind import CallgrindMeter
from ..meter.qemu import QemuMeter
from ..settings import Settings
from .base import RunOutcome, RunSpec
from .embedded import WARMUP
from .zygote import Channel, PooledSandbox, Zygote, ZygotePool, slot_uid, zygote_environment

__all__ = ["DockerSandbox", "ContainerCallgrindMeter", "container_qemu_meter", "SANDBOX_LABEL"]

log = logging.getLogger(__name__)

SANDBOX_LABEL = "reward-service.sandbox"
OWNER_LABEL = "reward-service.owner"
_BASE_UID = 10001  # slot uids: 10001 + slot (plain), 10101 + slot (metering)
_VALGRIND = "/usr/bin/valgrind"  # inside the image
_PYTHON = "/usr/bin/python3"
_MUX = struct.Struct(">BxxxI")  # docker attach stream header: stream type, payload size


class ContainerCallgrindMeter(CallgrindMeter):
    """Callgrind inside the sandbox image (the host needs no valgrind)."""

    def __init__(self, valgrind: str = _VALGRIND) -> None:
        self.valgrind = valgrind


def container_qemu_meter() -> QemuMeter:
    """QEMU and its counting plugin inside the sandbox image (``/opt/rs/_rsqemu.so``)."""
    return QemuMeter(None, f"/usr/bin/qemu-{os.uname().machine}")


def _attach(client: Any, container_id: str) -> socket.socket:
    """A raw stdin/stdout stream of a container: the attach endpoint, upgraded by hand.

    The SDK's ``attach_socket`` hands out a socket shared with an HTTP response object
    that cannot be closed cleanly; this one belongs to the channel alone.
    """
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: Any = host[len("unix://"):]
    elif host.startswith("tcp://") and not os.environ.get("DOCKER_TLS_VERIFY"):
        name, _, port = host[len("tcp://"):].rstrip("/").rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (name, int(port))
    else:
        raise SandboxError(f"DOCKER_HOST={host}: only unix:// and plain tcp:// engines are supported")
    try:
        sock.settimeout(30)
        sock.connect(target)
        path = f"/v{client.api.api_version}/containers/{container_id}/attach?stream=1&stdin=1&stdout=1&stderr=0"
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                     "Content-Length: 0\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)  # byte by byte: the stream starts right after the headers
            if not chunk:
                raise OSError("engine closed the attach connection")
            head += chunk
            if len(head) > 16384:
                raise OSError("attach response headers too long")
        status = head.split(b" ", 2)[1:2]
        if status not in ([b"101"], [b"200"]):
            raise OSError(f"attach refused: {head.splitlines()[0].decode(errors='replace')}")
        sock.settimeout(None)
        return sock
    except BaseException:
        sock.close()
        raise


class _AttachChannel(Channel):
    """The attached stdin/stdout of one container (Docker's multiplexed stream, no TTY)."""

    def __init__(self, container: Any, sock: socket.socket) -> None:
        self.container = container
        self._sock = sock
        self._raw = bytearray()  # undecoded stream bytes
        self._out = bytearray()  # decoded stdout payload
        self._eof = False
        self._killed = False
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        if self._eof:
            raise OSError("container stream closed")
        self._sock.sendall(data)

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self._sock], [], [], max(0.0, timeout))
        if not ready:
            raise TimeoutError
        chunk = self._sock.recv(1 << 16)
        if not chunk:
            self._eof = True
            return
        self._raw += chunk
        while len(self._raw) >= _MUX.size:
            kind, size = _MUX.unpack_from(self._raw)
            if len(self._raw) < _MUX.size + size:
                break
            payload = bytes(self._raw[_MUX.size:_MUX.size + size])
            del self._raw[:_MUX.size + size]
            if kind == 1:  # stdout; stderr (2) is not attached
                self._out += payload

    def read(self, n: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while not self._out and not self._eof:
            self._pump(deadline - time.monotonic())
        data = bytes(self._out[:n])
        del self._out[:n]
        return data

    def alive(self) -> bool:
        return not self._eof and not self._killed

    def kill(self) -> None:
        with self._lock:
            if self._killed:
                return
            self._killed = True
        try:
            self._sock.close()
        except OSError:
            pass
        try:
            self.container.remove(force=True)
        except Exception as exc:  # noqa: BLE001 - already gone, or the engine is down: nothing to keep
            log.debug("removing sandbox container %s: %s", getattr(self.container, "short_id", "?"), exc)


class _DockerZygote(Zygote):
    """A zygote that retires its container after any run that was not clean."""

    def run(self, request: dict[str, Any], wall_s: float) -> dict[str, Any]:
        report = super().run(request, wall_s)
        clean = (
            report.get("leftovers", 0) == 0 and report.get("limit") is None and "signal" not in report
            and isinstance(report.get("result"), dict)
        )
        if not clean:
            self.runs = 1 << 62  # the pool replaces it before its next run
        return report


class DockerSandbox(PooledSandbox):
    """Runs untrusted code in pooled, hardened containers of ``settings.sandbox.docker_image``."""

    name = "docker"

    def __init__(self, settings: Settings, meter: Meter | None = None, client: Any = None) -> None:
        import docker  # the SDK is imported only where this backend is used

        self.settings = settings
        sb = settings.sandbox
        self.image = sb.docker_image
        self._own_client = client is None
        try:
            self.client = client or docker.from_env(timeout=120)
            self.client.images.get(self.image)
        except docker.errors.ImageNotFound as exc:
            raise SandboxError(f"sandbox image {self.image} is missing (see sandbox_images/python/Dockerfile)") from exc
        except docker.errors.DockerException as exc:
            raise SandboxError(f"no Docker engine: {exc}") from exc
        if meter is not None and meter.mode not in ("callgrind", "qemu"):
            log.info("meter %s is not available in containers (default seccomp); using callgrind", meter.name)
        # the image's own valgrind or qemu and plugin, whatever this host has
        self.meter: Meter | None = None if meter is None else container_qemu_meter() if meter.mode == "qemu" \
            else ContainerCallgrindMeter()
        self.meter_name = self.meter.name if self.meter else "none"
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._reap_orphans()
        limits = (sb.max_processes, sb.max_open_files, sb.max_output_bytes)
        self._plain = ZygotePool(lambda slot: self._start(slot, None), sb.docker_pool_size, "plain", None,
                                 runs_per_zygote=sb.docker_runs_per_container, limits=limits)
        self._metered = (
            ZygotePool(lambda slot: self._start(slot, self.meter), sb.docker_pool_size, self.meter.mode, self.meter,
                       runs_per_zygote=sb.docker_runs_per_container, warmup=WARMUP, wall_factor=1.5,
                       limits=limits)
            if self.meter is not None else None
        )

    # ------------------------------------------------------------------ containers
    def _reap_orphans(self) -> None:
        """Remove sandbox containers left by earlier processes on this host (a crashed worker)."""
        host = socket.gethostname()
        try:
            for c in self.client.containers.list(all=True, filters={"label": SANDBOX_LABEL}):
                owner = c.labels.get(OWNER_LABEL, "")
                if owner.split(":")[0] == host and owner.split(":")[1:2] != [str(os.getpid())]:
                    c.remove(force=True)
        except Exception as exc:  # noqa: BLE001 - best effort; never blocks starting
            log.warning("could not reap old sandbox containers: %s", exc)

    def _container_config(self, slot: int, meter: Meter | None) -> dict[str, Any]:
        sb = self.settings.sandbox
        uid = slot_uid(_BASE_UID, meter is not None, slot)
        env = zygote_environment(meter, "/tmp/.rs-count", "/tmp", self.settings.meter.hash_seed, pidns=True,
                                 own_cgroup=True)
        # /tmp is the scratch directory; /dev/mqueue is Docker's and writable by anyone: a
        # read-only tmpfs over it leaves no place for state between runs.
        tmpfs = {"/tmp": f"rw,nosuid,nodev,noexec,size={sb.scratch_mb}m,mode=1777", "/dev/mqueue": "ro,size=4k"}
        return dict(
            image=self.image,
            command=[_PYTHON, "-s", "-B", "/opt/rs/relay.py"],
            user=f"{uid}:{uid}",
            environment=env,
            working_dir="/tmp",
            hostname="sandbox",
            network_mode="none",
            read_only=True,
            tmpfs=tmpfs,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=f"{self._memory_mb(meter is not None)}m",
            memswap_limit=f"{self._memory_mb(meter is not None)}m",
            pids_limit=sb.max_processes * 2 + 32,
            nano_cpus=1_000_000_000,
            ulimits=[{"name": "core", "soft": 0, "hard": 0}],
            ipc_mode="none",
            init=False,  # relay.py is PID 1: no init process holding the host stream
            stdin_open=True,
            tty=False,
            labels={SANDBOX_LABEL: "1", OWNER_LABEL: self._owner},
        )

    def _start(self, slot: int, meter: Meter | None) -> Zygote:
        import docker

        try:
            container = self.client.containers.create(**self._container_config(slot, meter))
        except docker.errors.DockerException as exc:
            raise SandboxError(f"cannot create a sandbox container: {exc}") from exc
        channel: _AttachChannel | None = None
        try:
            channel = _AttachChannel(container, _attach(self.client, container.id))
            container.start()
            return _DockerZygote(channel, meter)
        except (docker.errors.DockerException, SandboxError, OSError) as exc:
            try:
                tail = container.logs(stdout=False, stderr=True, tail=20).decode(errors="replace")
            except docker.errors.DockerException:
                tail = ""
            if channel is not None:
                channel.kill()
            else:
                container.remove(force=True)
            raise SandboxError(f"sandbox container failed to start: {exc}; {tail[-800:]}") from exc

    def _memory_mb(self, metered: bool) -> int:
        """A container's memory limit: the setting, and the meter's own footprint when metered."""
        return self.settings.sandbox.docker_memory_mb + (METER_RESERVE_MB if metered else 0)

    def fits(self, spec: RunSpec) -> bool:
        """Whether a container holds the run at its limits (:func:`memory_fits`)."""
        return memory_fits(self.settings.sandbox, spec.memory_mb)

    # ------------------------------------------------------------------ interface
    def run_untrusted(self, spec: RunSpec) -> RunOutcome:
        # A container's memory limit is its cgroup's: a run past it is killed by the kernel,
        # the zygote with it when the zygote is the larger (a reward null), or it gets less
        # memory than its problem allows (a 0.0 the embedded backend would not give).
        if not self.fits(spec):
            raise SandboxError(f"the run's memory limit ({spec.memory_mb} MB) does not fit the sandbox containers "
                               f"(sandbox.docker_memory_mb={self.settings.sandbox.docker_memory_mb}, with scratch, "
                               f"output and the zygote's share)")
        return super().run_untrusted(spec)

    def close(self) -> None:
        self._close_pools()
        try:
            for c in self.client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={self._owner}"}):
                c.remove(force=True)
        except Exception as exc:  # noqa: BLE001 - best effort at shutdown
            log.warning("could not remove sandbox containers: %s", exc)
        if self._own_client:
            self.client.close()
