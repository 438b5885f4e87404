"""Frozen types shared by the planner (pure) and the Docker gateway (adapter).

``ContainerSpec`` is everything needed to create one container; ``Observed*`` is what the gateway read back from the
engine, converted at the adapter boundary so nothing above it sees raw ``attrs`` dicts. Secret values live only in
``ContainerSpec.secret_env`` (filled at apply time) and never in any ``__repr__``, plan or label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class PortBinding:
    container: int
    protocol: str  # "tcp" | "udp"
    host: int | None  # None: not published
    host_ip: str = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Mount:
    target: str
    volume: str | None = None  # named volume (full engine name, e.g. "shop_pgdata")
    source: str | None = None  # absolute host path for a bind mount
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class FileMount:
    """A file the container receives read-only; its content is part of the config hash (unlike Compose)."""

    target: str
    content: str


@dataclass(frozen=True, slots=True)
class SecretSource:
    """Where apply reads a secret value: ``kind`` "env" (a variable of the operator's environment) or "file"
    (an absolute path). Plans carry only this and a hash of the value, never the value."""

    kind: str
    ref: str


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """Docker's health check, already in engine terms (test is the CMD form)."""

    test: tuple[str, ...]
    interval_s: float
    timeout_s: float
    retries: int
    start_period_s: float


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """Everything the gateway needs to create one container. ``config_hash`` is also in ``labels``."""

    name: str
    image: str  # image ID (sha256:…) or reference to run
    labels: Mapping[str, str]
    config_hash: str
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    working_dir: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    secret_env: Mapping[str, str] = field(default_factory=dict, repr=False)   # values: filled at apply time only
    secret_sources: Mapping[str, SecretSource] = field(default_factory=dict)  # env var → where its value comes from
    files: tuple[FileMount, ...] = ()
    ports: tuple[PortBinding, ...] = ()
    mounts: tuple[Mount, ...] = ()
    tmpfs: tuple[str, ...] = ()
    health: HealthCheck | None = None
    nano_cpus: int | None = None
    mem_limit: int | None = None
    mem_reservation: int | None = None
    restart: str = "unless-stopped"  # no | always | on-failure | unless-stopped
    user: str | None = None
    read_only: bool = True
    no_new_privileges: bool = True
    cap_drop: tuple[str, ...] = ("ALL",)
    cap_add: tuple[str, ...] = ()
    network: str | None = None
    aliases: tuple[str, ...] = ()
    extra_networks: tuple[str, ...] = ()  # joined after create, without aliases (the proxy's app network)
    stop_timeout_s: int = 10
    init: bool = True  # Docker's init as PID 1: signals reach the app, zombies are reaped


class ContainerState(StrEnum):
    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    RESTARTING = "restarting"
    REMOVING = "removing"
    EXITED = "exited"
    DEAD = "dead"


class Health(StrEnum):
    NONE = "none"  # no health check
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True, slots=True)
class ObservedContainer:
    id: str
    name: str
    app: str
    service: str
    slot: int
    revision: int
    config_hash: str
    image_id: str
    state: ContainerState
    health: Health
    labels: Mapping[str, str]
    exit_code: int | None = None
    ports: tuple[PortBinding, ...] = ()
    # What the engine reports now for fields `docker update` can change, to detect drift made by hand:
    nano_cpus: int | None = None
    mem_limit: int | None = None
    restart: str | None = None
    mem_reservation: int | None = None
    # Network name → the container's DNS aliases on it (a draining replica has left the service alias):
    networks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ObservedNetwork:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ObservedVolume:
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ObservedState:
    """One app as the engine sees it, read with a constant number of API calls."""

    app: str
    engine_id: str
    containers: tuple[ObservedContainer, ...] = ()
    networks: tuple[ObservedNetwork, ...] = ()
    volumes: tuple[ObservedVolume, ...] = ()
    images: Mapping[str, str] = field(default_factory=dict)  # image reference → image ID, for refs the spec names
    # Proxy backend → the server names in it, read from the running proxy's runtime API (empty when no proxy runs
    # or it did not answer: the plan then adds every current replica again, which is idempotent to ask for):
    proxy_members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
