"""The desired state as frozen types: what should run, before anyone looks at the engine.

``ContainerSpec`` is everything needed to create one container; ``DesiredService`` is one service's replicas,
strategy and container template; ``DesiredState`` is one app in one environment. Built by ``engine.desire.build``;
the planner diffs it against ``engine.observe.types``. Secret values live only in ``ContainerSpec.secret_env``
(filled at apply time) and never in any ``__repr__``, plan or label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine import labels as L
from engine.desire.hashing import canonical_json, sha256_hex
from engine.desire.naming import container_name, temp_container_name
from engine.spec.model import Condition, StrategyType


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
    """A file the container receives read-only; its content is part of the config hash (unlike Compose).

    ``live``: shipspec rewrites it while the container runs (the proxy's members). It starts as ``content`` when
    the container is created, lives in a directory of its own per container and config, and that directory is
    bound (not the file), so an atomic rename on the host reaches the container."""

    target: str
    content: str
    live: bool = False


class SecretKind(StrEnum):
    ENV = "env"    # a variable of the operator's environment
    FILE = "file"  # an absolute path


@dataclass(frozen=True, slots=True)
class SecretSource:
    """Where apply reads a secret value. Plans carry only this and a hash of the value, never the value."""

    kind: SecretKind
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
    stop_signal: str | None = None  # None: the image's STOPSIGNAL, else SIGTERM
    hostname: str | None = None  # None: Docker's default (the container ID's first 12 digits)
    sysctls: Mapping[str, str] = field(default_factory=dict)  # namespaced only (validated)


PROXY_SERVICE = "shipspec-proxy"  # reserved: user service names may not start with "shipspec-"
ADMIN_ALIAS = "shipspec-admin"  # the proxy's DNS name on its admin network, where its runtime API listens
PROXY_IMAGE_ENV = "SHIPSPEC_PROXY_IMAGE"  # overrides the spec's proxy.image (tests point it at a local build)


@dataclass(frozen=True, slots=True)
class Backend:
    """One proxy backend a fronted service's replicas join: the frontend/backend name and the replicas' port."""

    name: str
    port: int


@dataclass(frozen=True, slots=True)
class Strategy:
    """The effective rollout strategy in engine units (seconds)."""

    type: StrategyType
    max_surge: int = 1
    max_unavailable: int = 0
    steps: tuple[int, ...] = ()
    pause_s: float = 30.0
    drain_s: float = 10.0
    health_deadline_s: float = 120.0
    max_error_rate: float = 0.05  # canary, behind the proxy: judged once min_requests answered during a pause
    min_requests: int = 20
    max_latency_s: float | None = None  # canary, behind the proxy (HTTP): judged like max_error_rate


@dataclass(frozen=True, slots=True)
class BuildInfo:
    context: str  # absolute path
    runtime: str
    dockerfile: str | None  # the user's own (runtime dockerfile), relative to the context; else rendered
    digest: str
    tag: str  # content-addressed tag the containers run
    extra_tags: tuple[str, ...] = ()  # the spec's `image`, also applied to the built image
    target: str | None = None  # build stage (docker build --target)
    args: Mapping[str, str] = field(default_factory=dict)  # build arguments (--build-arg), part of the digest
    exclude: tuple[str, ...] = ()  # context paths never sent (engine.spec.buildcontext), relative to the context


@dataclass(frozen=True, slots=True)
class DesiredService:
    name: str
    replicas: int
    depends_on: Mapping[str, Condition]  # service → what it must be before this one starts
    strategy: Strategy
    template: ContainerSpec  # name "" and no SLOT label: see container()
    image_ref: str  # the reference containers run (pulled, or the build tag)
    image_id: str | None  # what the engine resolves image_ref to now, when it has it
    build: BuildInfo | None
    summary: str  # canonical JSON, also the CONFIG label
    backends: tuple[Backend, ...] = ()  # proxy backends its healthy replicas join (published ports, proxy on)
    # The full document ``config_hash`` was made from (engine.desire.config): lets the diff recompute the hash with
    # an observed container's image reference. Holds full secret digests: in memory only, never in a plan or label.
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def config_hash(self) -> str:
        return self.template.config_hash

    def container(self, slot: int, *, temporary: bool = False) -> ContainerSpec:
        """The ContainerSpec of one replica slot; ``temporary`` names a replacement created beside the old one."""
        app = self.template.labels[L.APP]
        name = (temp_container_name if temporary else container_name)(app, self.name, slot)
        return dataclasses.replace(self.template, name=name, labels={**self.template.labels, L.SLOT: str(slot)})


@dataclass(frozen=True, slots=True)
class DesiredObject:
    """A network or a named volume."""

    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class DesiredState:
    app: str
    env: str  # "" for the base
    revision: int
    network: DesiredObject
    volumes: tuple[DesiredObject, ...]
    services: Mapping[str, DesiredService] = field(default_factory=dict)
    admin_network: DesiredObject | None = None  # the proxy's own network, for its runtime API (engine.desire.proxy)

    @property
    def spec_hash(self) -> str:
        """What a saved plan was made for: every config hash, count, order and strategy (not the revision)."""
        doc = {
            "app": self.app,
            "env": self.env,
            "network": self.network.name,
            **({"admin_network": self.admin_network.name} if self.admin_network else {}),
            "volumes": [v.name for v in self.volumes],
            "services": {n: _service_identity(s) for n, s in sorted(self.services.items())},
        }
        return "sha256:" + sha256_hex(canonical_json(doc))


def _service_identity(svc: DesiredService) -> dict[str, object]:
    return {
        "replicas": svc.replicas,
        "depends_on": dict(svc.depends_on),
        "strategy": dataclasses.asdict(svc.strategy),
        "config_hash": svc.config_hash,
        "update": [svc.template.nano_cpus, svc.template.mem_limit, svc.template.mem_reservation, svc.template.restart],
        "image_ref": svc.image_ref,
        "backends": [[b.name, b.port] for b in svc.backends],
    }
