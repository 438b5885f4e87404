"""What shipspec reads back from a Swarm, as frozen types (the adapter converts the engine's JSON into these).

Every dockerd of a cluster may share one engine ID (they do here: one ``key.json``), so a cluster is identified by
its swarm ID and a node by its node ID, never by the engine ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SwarmNode:
    id: str
    hostname: str
    role: str = "worker"  # manager | worker
    availability: str = "active"  # active | pause | drain
    state: str = "ready"  # ready | down | unknown | disconnected
    labels: Mapping[str, str] = field(default_factory=dict)
    engine_labels: Mapping[str, str] = field(default_factory=dict)
    os: str = "linux"
    arch: str = "x86_64"
    address: str = ""

    @property
    def schedulable(self) -> bool:
        return self.availability == "active" and self.state == "ready"


@dataclass(frozen=True, slots=True)
class SwarmTask:
    id: str
    service_id: str
    slot: int | None
    node_id: str
    desired_state: str  # running | shutdown | …
    state: str  # new … starting, running, failed, rejected, shutdown, complete
    message: str = ""
    error: str = ""
    container_id: str = ""
    address: str = ""  # the task's address on the app's overlay
    created_at: str = ""  # the engine's RFC 3339 time, nanoseconds; ``engine.swarm.moves`` orders tasks by it


@dataclass(frozen=True, slots=True)
class SwarmObservedService:
    id: str
    name: str
    version: int
    labels: Mapping[str, str]
    replicas: int | None  # None for job modes
    update_state: str = ""  # UpdateStatus.State: updating, paused, completed, rollback_started, rollback_completed…
    update_message: str = ""
    has_previous: bool = False  # PreviousSpec is present: the engine can roll back to it
    references: frozenset[str] = frozenset()  # secret and config names its Spec and PreviousSpec mount
    spec: Mapping[str, object] = field(default_factory=dict)  # the engine's Spec as it answered


@dataclass(frozen=True, slots=True)
class SwarmObservedObject:
    """A secret, config, network or volume of the app (by label)."""

    id: str
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class SwarmObserved:
    cluster_id: str
    nodes: tuple[SwarmNode, ...]
    services: Mapping[str, SwarmObservedService]  # by service name in the spec
    tasks: tuple[SwarmTask, ...] = ()
    secrets: tuple[SwarmObservedObject, ...] = ()
    configs: tuple[SwarmObservedObject, ...] = ()
    networks: tuple[SwarmObservedObject, ...] = ()
