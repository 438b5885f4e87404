"""One frozen type per step kind: the vocabulary of a Plan (no stringly-typed actions).

Every step has an ``id`` unique in its plan, the ``service`` it belongs to ("" for app-wide objects), a human
``cause`` and ``after``: the ids of the steps that must finish first (the dependency graph the executor runs with
``graphlib.TopologicalSorter``). Containers are named, not referenced by ID: new ones have no ID until created, and
Docker names are unique. Dispatch on steps with ``match`` over :data:`Step` and ``assert_never`` in the default
case, so adding a kind is a type error everywhere it is not handled yet.

``CreateContainer.spec`` never holds secret values: ``secret_env`` is empty and ``secret_sources`` says where apply
reads them (``engine.desire.secrets.secret_values``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, assert_never

from engine.desire.types import ContainerSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class _Step:
    kind: ClassVar[str]
    id: str
    service: str
    cause: str
    after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EnsureNetwork(_Step):
    kind: ClassVar[str] = "ensure-network"
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class EnsureVolume(_Step):
    kind: ClassVar[str] = "ensure-volume"
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildImage(_Step):
    """Build the service's image from its context; tag it ``tag`` (content-addressed) and ``extra_tags``."""

    kind: ClassVar[str] = "build-image"
    context: str
    runtime: str
    dockerfile: str | None
    digest: str
    tag: str
    extra_tags: tuple[str, ...] = ()
    target: str | None = None
    args: Mapping[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()  # context paths never sent to the builder (engine.spec.buildcontext)


@dataclass(frozen=True, slots=True, kw_only=True)
class PullImage(_Step):
    kind: ClassVar[str] = "pull-image"
    reference: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateContainer(_Step):
    kind: ClassVar[str] = "create-container"
    spec: ContainerSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class StartContainer(_Step):
    kind: ClassVar[str] = "start-container"
    container: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitHealthy(_Step):
    """Gate: the container reports healthy (or, without a health check, running) before ``deadline_s``."""

    kind: ClassVar[str] = "wait-healthy"
    container: str
    deadline_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitCompleted(_Step):
    """Gate for ``depends_on: completed``: the container exited 0 before ``deadline_s``."""

    kind: ClassVar[str] = "wait-completed"
    container: str
    deadline_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateContainer(_Step):
    """``docker update`` in place: the values to set (None: no limit / no reservation)."""

    kind: ClassVar[str] = "update-container"
    container: str
    nano_cpus: int | None
    mem_limit: int | None
    mem_reservation: int | None
    restart: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StopContainer(_Step):
    kind: ClassVar[str] = "stop-container"
    container: str
    timeout_s: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveContainer(_Step):
    kind: ClassVar[str] = "remove-container"
    container: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameContainer(_Step):
    kind: ClassVar[str] = "rename-container"
    container: str
    new_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DisconnectAlias(_Step):
    """Take the replica out of the service's DNS alias, then let in-flight requests finish for ``drain_s``."""

    kind: ClassVar[str] = "disconnect-alias"
    container: str
    network: str
    alias: str
    drain_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause(_Step):
    """Watch a canary step for ``seconds`` (its window) before promoting further; it starts once the step's new
    replicas joined, and their old replicas leave only after it. Behind the proxy, ``watch`` names the canary's
    servers (``backend/server``) and ``joined`` those of them that joined right before this pause: those are
    judged from their first request (HAProxy's counters start at zero when a server is added), the others from the
    window's start. The window is judged at every poll: as soon as the watched servers answered at least
    ``min_requests`` requests and more than ``max_error_rate`` of them failed (5xx, broken responses, refused
    connections), or, with ``max_latency_s``, took longer than that on average to start answering, they are drained
    (no new request) and the step fails, so the apply rolls back. The thresholds come from the spec's strategy."""

    kind: ClassVar[str] = "pause"
    seconds: float
    proxy: str = ""
    watch: tuple[str, ...] = ()
    joined: tuple[str, ...] = ()
    max_error_rate: float = 0.05
    min_requests: int = 20
    max_latency_s: float | None = None  # judged like max_error_rate, against HAProxy's rtime (HTTP backends)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProxyAddServer(_Step):
    """Put a healthy replica behind the proxy: add ``server`` (address: ``container``'s IP on ``network``, port
    ``port``) to ``backend`` of the proxy container ``proxy``, let HAProxy's own check pass within ``deadline_s``,
    then set it ready. Adding a server that is already there only makes sure it is ready. Undoing it drains the
    server for up to ``drain_s`` (the strategy's ``drain``), so the requests it took in the meantime finish."""

    kind: ClassVar[str] = "proxy-add-server"
    proxy: str
    backend: str
    server: str
    container: str
    network: str
    port: int
    deadline_s: float
    drain_s: float = 10.0  # a plan saved before this field: the strategy's default drain


@dataclass(frozen=True, slots=True, kw_only=True)
class ProxyRemoveServer(_Step):
    """Take a replica out of the proxy before it stops: drain ``server`` (no new requests), wait up to ``drain_s``
    for the ones in flight, delete it. A server or a proxy that is gone already is fine. ``container`` and
    ``port`` say how to put it back when a rollback undoes this ("" for a member whose container is gone)."""

    kind: ClassVar[str] = "proxy-remove-server"
    proxy: str
    backend: str
    server: str
    drain_s: float
    container: str = ""
    network: str = ""
    port: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveNetwork(_Step):
    kind: ClassVar[str] = "remove-network"
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveVolume(_Step):
    """Only in a destroy plan with volumes asked for: named volumes hold data and are never removed otherwise."""

    kind: ClassVar[str] = "remove-volume"
    name: str


Step = (
    EnsureNetwork
    | EnsureVolume
    | BuildImage
    | PullImage
    | CreateContainer
    | StartContainer
    | WaitHealthy
    | WaitCompleted
    | UpdateContainer
    | StopContainer
    | RemoveContainer
    | RenameContainer
    | DisconnectAlias
    | Pause
    | ProxyAddServer
    | ProxyRemoveServer
    | RemoveNetwork
    | RemoveVolume
)

STEP_TYPES: tuple[type[Step], ...] = (
    EnsureNetwork,
    EnsureVolume,
    BuildImage,
    PullImage,
    CreateContainer,
    StartContainer,
    WaitHealthy,
    WaitCompleted,
    UpdateContainer,
    StopContainer,
    RemoveContainer,
    RenameContainer,
    DisconnectAlias,
    Pause,
    ProxyAddServer,
    ProxyRemoveServer,
    RemoveNetwork,
    RemoveVolume,
)
STEP_BY_KIND: dict[str, type[Step]] = {t.kind: t for t in STEP_TYPES}


def step_target(step: Step) -> str:
    """The object a step acts on, for display and for tests (a container, network, volume or image name)."""
    match step:
        case EnsureNetwork(name=name) | EnsureVolume(name=name) | RemoveNetwork(name=name) | RemoveVolume(name=name):
            return name
        case BuildImage(tag=tag):
            return tag
        case PullImage(reference=ref):
            return ref
        case CreateContainer(spec=spec):
            return spec.name
        case (
            StartContainer(container=c)
            | WaitHealthy(container=c)
            | WaitCompleted(container=c)
            | UpdateContainer(container=c)
            | StopContainer(container=c)
            | RemoveContainer(container=c)
            | RenameContainer(container=c)
            | DisconnectAlias(container=c)
        ):
            return c
        case Pause():
            return step.service
        case ProxyAddServer(backend=b, server=s) | ProxyRemoveServer(backend=b, server=s):
            return f"{b}/{s}"
        case _:
            assert_never(step)


def describe(step: Step) -> str:
    """One line for progress output and plan listings: ``kind target: cause``."""
    return f"{step.kind} {step_target(step)}: {step.cause}"
