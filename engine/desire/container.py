"""ServiceSpec → the engine-level pieces of a ContainerSpec (ports, mounts, health, resources, security).

Pure translation from the user's vocabulary (quantities, durations, relative paths) into the engine's (nano CPUs,
bytes, seconds, absolute paths). The only input read from disk is a file's ``source`` content, because that
content reaches the container and so must be part of the config hash.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from engine.desire.naming import volume_name
from engine.desire.types import FileMount, HealthCheck, Mount, PortBinding
from engine.errors import PlanError
from engine.spec.model import ServiceSpec
from engine.spec.probe import health_command
from engine.spec.quantity import cpu_millicores, duration_seconds, memory_bytes
from engine.spec.readfile import FileReadError, read_text_limited

NANO_PER_MILLI = 1_000_000


FILE_LIMIT = 1024 * 1024  # file sources become container files and config hashes: text, not devices


def ports(svc: ServiceSpec) -> tuple[PortBinding, ...]:
    return tuple(PortBinding(p.container, p.protocol, p.host, p.host_ip) for p in svc.ports)


def mounts(app: str, svc: ServiceSpec, base_dir: Path) -> tuple[Mount, ...]:
    out = []
    for m in svc.volumes:
        if m.name is not None:
            out.append(Mount(m.target, volume=volume_name(app, m.name), read_only=m.read_only))
        else:
            assert m.source is not None, "validated specs carry exactly one of name or source"
            out.append(Mount(m.target, source=str((base_dir / m.source).resolve()), read_only=m.read_only))
    return tuple(out)


def files(
    svc: ServiceSpec, base_dir: Path, where: Callable[[int], str] = lambda i: f"files[{i}]"
) -> tuple[FileMount, ...]:
    """The files' contents; ``where(i)`` locates ``files[i]`` in the spec for a source that cannot be read."""
    out = []
    for i, f in enumerate(svc.files):
        if f.content is not None:
            content = f.content
        else:
            assert f.source is not None, "validated specs carry exactly one of content or source"
            try:
                content = read_text_limited(base_dir / f.source, FILE_LIMIT)
            except FileReadError as exc:
                problem = f"file source {base_dir / f.source} (for {f.target}) {exc.reason}"
                raise PlanError(f"{where(i)}: {problem}") from None
        out.append(FileMount(f.target, content))
    return tuple(out)


def health(svc: ServiceSpec) -> HealthCheck | None:
    """Docker's own health check, probed inside the container by the same command the rendered HEALTHCHECK runs."""
    spec = svc.health
    if spec is None:
        return None
    return HealthCheck(
        test=("CMD", *health_command(svc)),
        interval_s=duration_seconds(spec.interval),
        timeout_s=duration_seconds(spec.timeout),
        retries=spec.retries,
        start_period_s=duration_seconds(spec.start_period),
    )


def nano_cpus(svc: ServiceSpec) -> int | None:
    """The CPU limit; Docker has no CPU request, so ``requests.cpu`` only matters to Kubernetes."""
    cpu = svc.resources.limits.cpu
    return cpu_millicores(cpu) * NANO_PER_MILLI if cpu is not None else None


def mem_limit(svc: ServiceSpec) -> int | None:
    mem = svc.resources.limits.memory
    return memory_bytes(mem) if mem is not None else None


def mem_reservation(svc: ServiceSpec) -> int | None:
    mem = svc.resources.requests.memory
    return memory_bytes(mem) if mem is not None else None


def stop_timeout(svc: ServiceSpec) -> int:
    return math.ceil(duration_seconds(svc.stop_grace_period))


def format_cpus(nano: int | None) -> str:
    if not nano:
        return "unlimited"
    milli = nano // NANO_PER_MILLI
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def format_bytes(value: int | None) -> str:
    if not value:
        return "unlimited"
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}B"
