"""Pure converters from the engine's JSON answers (list and inspect) to the frozen ``engine.observe.types``.

The Docker adapter calls these right at the boundary so nothing above it sees raw dicts; they are plain functions
of data, tested with captured engine answers and never importing ``docker``. Anything missing or malformed in an
answer becomes a neutral value (slot 0, empty service) rather than an exception: such a container is still the app's
and the planner treats it as an orphan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from engine import labels as L
from engine.desire.types import PortBinding
from engine.observe.types import ContainerState, Health, ObservedContainer, ObservedNetwork, ObservedVolume
from engine.spec.imageref import parse_image_ref

JSON = Mapping[str, Any]
_DOCKER_HUB = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")


def _int(value: object, default: int = 0) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _positive(value: object) -> int | None:
    """Docker reports "no limit" as 0; we say None."""
    number = _int(value)
    return number if number > 0 else None


def _state(raw: object) -> ContainerState:
    try:
        return ContainerState(str(raw))
    except ValueError:
        return ContainerState.DEAD


def _health(state: JSON) -> Health:
    status = (state.get("Health") or {}).get("Status")
    try:
        return Health(status) if status else Health.NONE
    except ValueError:
        return Health.NONE


def _port_key(key: str) -> tuple[int, str]:
    port, _, protocol = key.partition("/")
    return _int(port), protocol or "tcp"


def ports_from_inspect(inspect: JSON) -> tuple[PortBinding, ...]:
    """Published ports as assigned now (a running container), else as configured; exposed-only ports have
    ``host=None``. A configured binding without a host port ("any free port") reads as ``host=0``."""
    running = (inspect.get("NetworkSettings") or {}).get("Ports") or {}
    configured = (inspect.get("HostConfig") or {}).get("PortBindings") or {}
    exposed = (inspect.get("Config") or {}).get("ExposedPorts") or {}
    found: set[PortBinding] = set()
    for key in {*exposed, *configured, *running}:
        container, protocol = _port_key(key)
        bindings = running.get(key) or configured.get(key) or []
        if not bindings:
            found.add(PortBinding(container, protocol, None))
        for binding in bindings:
            host_ip = binding.get("HostIp") or "0.0.0.0"
            found.add(PortBinding(container, protocol, _int(binding.get("HostPort")), host_ip))
    return tuple(sorted(found, key=lambda p: (p.container, p.protocol, p.host or 0, p.host_ip)))


def container_from_inspect(inspect: JSON) -> ObservedContainer:
    """One container from ``GET /containers/{id}/json``: identity from our labels, drift fields from HostConfig."""
    config = inspect.get("Config") or {}
    host = inspect.get("HostConfig") or {}
    state = inspect.get("State") or {}
    labels: dict[str, str] = dict(config.get("Labels") or {})
    status = _state(state.get("Status"))
    networks = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    return ObservedContainer(
        id=str(inspect.get("Id", "")),
        name=str(inspect.get("Name", "")).lstrip("/"),
        app=labels.get(L.APP, ""),
        service=labels.get(L.SERVICE, ""),
        slot=_int(labels.get(L.SLOT)),
        revision=_int(labels.get(L.REVISION)),
        config_hash=labels.get(L.CONFIG_HASH, ""),
        image_id=str(inspect.get("Image", "")),
        state=status,
        health=_health(state),
        labels=labels,
        exit_code=_int(state.get("ExitCode")) if status in (ContainerState.EXITED, ContainerState.DEAD) else None,
        ports=ports_from_inspect(inspect),
        nano_cpus=_positive(host.get("NanoCpus")),
        mem_limit=_positive(host.get("Memory")),
        restart=(host.get("RestartPolicy") or {}).get("Name") or "no",
        mem_reservation=_positive(host.get("MemoryReservation")),
        networks={name: tuple(sorted((net or {}).get("Aliases") or ())) for name, net in sorted(networks.items())},
    )


def state_from_inspect(inspect: JSON) -> tuple[ContainerState, Health, int | None]:
    """What a health gate needs from one inspect answer."""
    container = container_from_inspect(inspect)
    return container.state, container.health, container.exit_code


def network_from_list(entry: JSON) -> ObservedNetwork:
    return ObservedNetwork(id=str(entry.get("Id", "")), name=str(entry.get("Name", "")))


def volume_from_list(entry: JSON) -> ObservedVolume:
    return ObservedVolume(name=str(entry.get("Name", "")), labels=dict(entry.get("Labels") or {}))


def foreign_names(app: str, entries: Iterable[JSON]) -> dict[str, str]:
    """Container name → owning app label ("" when shipspec did not make it), for listed containers that do not
    belong to ``app`` and whose name starts with ``<app>-`` (the engine's name filter is a regex, so callers
    list with ``^/<app>-`` and this drops the rest: a name filter matches anywhere in names like ``x-<app>-1``)."""
    out: dict[str, str] = {}
    for entry in entries:
        labels = entry.get("Labels") or {}
        if labels.get(L.APP) == app and labels.get(L.MANAGED) == "true":
            continue
        for raw in entry.get("Names") or ():
            name = str(raw).lstrip("/")
            if name.startswith(f"{app}-") and "/" not in name:
                out[name] = str(labels.get(L.APP, "")) if labels.get(L.MANAGED) == "true" else ""
    return dict(sorted(out.items()))


def normalize_ref(ref: str) -> str:
    """The spelling the engine lists a reference under: Docker Hub prefixes dropped, ``:latest`` added when the
    reference has neither tag nor digest (``docker.io/library/busybox`` → ``busybox:latest``)."""
    for prefix in _DOCKER_HUB:
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
            ref = ref.removeprefix("library/")
            break
    parsed = parse_image_ref(ref)
    if parsed is None or parsed.tag is not None or parsed.digest is not None:
        return ref
    return f"{ref}:latest"


def _digest_form(ref: str) -> str:
    """``name:tag@digest`` is listed by the engine as ``name@digest``."""
    parsed = parse_image_ref(ref)
    return f"{parsed.name}@{parsed.digest}" if parsed is not None and parsed.digest else ref


def resolve_images(refs: Iterable[str], images: Sequence[JSON]) -> dict[str, str]:
    """Map each reference (or image ID) to the ID of a local image from one ``GET /images/json`` answer; a
    reference with no local image is left out (the planner reports it, nothing is pulled)."""
    by_name: dict[str, str] = {}
    ids: set[str] = set()
    for image in images:
        image_id = str(image.get("Id", ""))
        ids.add(image_id)
        for name in (*(image.get("RepoTags") or ()), *(image.get("RepoDigests") or ())):
            by_name[normalize_ref(name)] = image_id
    resolved: dict[str, str] = {}
    for ref in refs:
        if ref.startswith("sha256:"):
            match = next((i for i in ids if i == ref or (len(ref) >= 19 and i.startswith(ref))), None)
        else:
            match = by_name.get(normalize_ref(_digest_form(ref)))
        if match:
            resolved[ref] = match
    return resolved
