"""What the engine reports about one app, as frozen types: containers, networks, volumes, images, proxy members.

The gateway converts engine answers into these at the adapter boundary (``engine.observe.parse``), so nothing above
it sees raw ``attrs`` dicts. The planner compares them with the desired state (``engine.desire.types``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from engine import labels as L
from engine.desire.types import PortBinding


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

    @property
    def image_ref(self) -> str:
        """The reference it was created from (a spec's tag, a build tag or a release's pinned tag); its identity is
        ``image_id``."""
        return self.labels.get(L.IMAGE_REF, "")

    @property
    def build_digest(self) -> str | None:
        return self.labels.get(L.BUILD_DIGEST) or None


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
    # Containers of other owners whose names start with ``<app>-`` (name → their app label, "" when shipspec did not
    # make them): app ``a`` with service ``b-c`` and app ``a-b`` with service ``c`` would both name ``a-b-c-1``.
    foreign: Mapping[str, str] = field(default_factory=dict)
