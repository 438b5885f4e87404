"""A recording, in-memory ``LockingGateway``: containers, networks, volumes, images, the lock and the proxy runtime.

The planner and the executor are tested against these (no engine, no sleeping); the real gateway is tested against
the real engine in ``tests/adapters``. The fake keeps the gateway's contract: frozen observed types, idempotent
removals, ``NotFoundError`` for unknown IDs, secret values never in labels. It must never import ``docker``.

    gw = FakeGateway(images={"busybox:1.36": "sha256:aa…"})
    gw.fail_on("start", nth=2)                  # the second start() raises EngineError
    ... run the executor ...
    assert gw.method_names() == ["ensure_network", "create_container", "start", ...]
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine import labels as L
from engine.desire.types import ContainerSpec
from engine.errors import EngineError, NotFoundError
from engine.observe.types import (
    ContainerState,
    Health,
    ObservedContainer,
    ObservedNetwork,
    ObservedState,
    ObservedVolume,
)
from engine.ports import LockingGateway
from engine.testing.proxy import FakeProxyRuntime


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded gateway call: the method name and its positional arguments (secret values never included)."""

    method: str
    args: tuple[object, ...] = ()


@dataclass(slots=True)
class _Failure:
    method: str
    nth: int
    error: Exception
    seen: int = 0


def _int_label(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def container_from_spec(spec: ContainerSpec, container_id: str, image_id: str) -> ObservedContainer:
    """What a real engine would report right after creating ``spec``: used by the fake and by planner tests to
    build observed fixtures that match a desired container exactly."""
    return ObservedContainer(
        id=container_id,
        name=spec.name,
        app=spec.labels.get(L.APP, ""),
        service=spec.labels.get(L.SERVICE, ""),
        slot=_int_label(spec.labels.get(L.SLOT)),
        revision=_int_label(spec.labels.get(L.REVISION)),
        config_hash=spec.config_hash,
        image_id=image_id,
        state=ContainerState.CREATED,
        health=Health.NONE,
        labels=dict(spec.labels),
        ports=spec.ports,
        nano_cpus=spec.nano_cpus,
        mem_limit=spec.mem_limit,
        mem_reservation=spec.mem_reservation,
        restart=spec.restart,
        networks={
            **({spec.network: (*spec.aliases, spec.name)} if spec.network else {}),
            **dict.fromkeys(spec.extra_networks, (spec.name,)),
        },
    )


@dataclass
class FakeGateway:
    """In-memory Docker engine that records every call. Preset state with the constructor or ``add_container``;
    inject failures with ``fail_on``; choose what health a started container reports with ``health_on_start``."""

    images: dict[str, str] = field(default_factory=dict)  # reference or ID → image ID
    pullable: dict[str, str] = field(default_factory=dict)  # what a registry would serve: reference → image ID
    containers: dict[str, ObservedContainer] = field(default_factory=dict)  # by ID
    networks: dict[str, ObservedNetwork] = field(default_factory=dict)  # by name
    volumes: dict[str, ObservedVolume] = field(default_factory=dict)  # by name
    network_labels: dict[str, Mapping[str, str]] = field(default_factory=dict)
    health_on_start: Health = Health.HEALTHY
    engine: str = "fake-engine"
    logs_by_name: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    created_specs: dict[str, ContainerSpec] = field(default_factory=dict)  # by ID, secrets included (in memory)
    live_files: dict[tuple[str, str], str] = field(default_factory=dict)  # (container ID, target) → text
    proxy: FakeProxyRuntime = field(default_factory=FakeProxyRuntime)  # what proxy_runtime() answers with
    locks: dict[str, tuple[str, dict[str, str], str]] = field(default_factory=dict)  # name → (ID, labels, lease)
    connections: dict[str, list[int]] = field(default_factory=dict)  # by name: what open_connections answers
    _failures: list[_Failure] = field(default_factory=list, init=False, repr=False)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False, repr=False)

    # ---- test helpers -------------------------------------------------------------------------------------
    def fail_on(self, method: str, nth: int = 1, error: Exception | None = None) -> None:
        """Make the ``nth`` call of ``method`` (1-based, counted from now) raise ``error`` (an EngineError)."""
        self._failures.append(_Failure(method, nth, error or EngineError(f"injected failure in {method}")))

    def add_container(self, container: ObservedContainer) -> None:
        self.containers[container.id] = container

    def method_names(self) -> list[str]:
        return [call.method for call in self.calls]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def by_name(self, name: str) -> ObservedContainer:
        for container in self.containers.values():
            if container.name == name:
                return container
        raise KeyError(name)

    # ---- internals ----------------------------------------------------------------------------------------
    def _record(self, method: str, *args: object) -> None:
        self.calls.append(Call(method, args))
        for failure in self._failures:
            if failure.method == method:
                failure.seen += 1
                if failure.seen == failure.nth:
                    raise failure.error

    def _new_id(self, prefix: str) -> str:
        return hashlib.sha256(f"{prefix}{next(self._ids)}".encode()).hexdigest()

    def _get(self, container_id: str) -> ObservedContainer:
        for container in self.containers.values():
            if container_id in (container.id, container.name) or container.id.startswith(container_id):
                return container
        raise NotFoundError(f"no container {container_id}")

    def _set(self, container: ObservedContainer, **changes: object) -> None:
        self.containers[container.id] = replace(container, **changes)  # type: ignore[arg-type]

    # ---- DockerGateway ------------------------------------------------------------------------------------
    def engine_id(self) -> str:
        self._record("engine_id")
        return self.engine

    def observe(self, app: str, image_refs: Iterable[str] = ()) -> ObservedState:
        refs = tuple(image_refs)
        self._record("observe", app, refs)
        containers = tuple(sorted((c for c in self.containers.values() if c.app == app), key=lambda c: c.name))
        networks = tuple(
            n for name, n in sorted(self.networks.items()) if self.network_labels.get(name, {}).get(L.APP) == app
        )
        volumes = tuple(v for _, v in sorted(self.volumes.items()) if v.labels.get(L.APP) == app)
        images = {ref: self.images[ref] for ref in refs if ref in self.images}
        foreign = {c.name: c.app for c in self.containers.values() if c.app != app and c.name.startswith(f"{app}-")}
        return ObservedState(app, self.engine, containers, networks, volumes, images,
                             foreign=dict(sorted(foreign.items())))

    def ensure_network(self, name: str, labels: Mapping[str, str]) -> str:
        self._record("ensure_network", name)
        if name not in self.networks:
            self.networks[name] = ObservedNetwork(self._new_id("net"), name)
            self.network_labels[name] = dict(labels)
        return self.networks[name].id

    def ensure_volume(self, name: str, labels: Mapping[str, str]) -> str:
        self._record("ensure_volume", name)
        self.volumes.setdefault(name, ObservedVolume(name, dict(labels)))
        return name

    def remove_network(self, name: str) -> None:
        self._record("remove_network", name)
        self.networks.pop(name, None)
        self.network_labels.pop(name, None)

    def remove_volume(self, name: str) -> None:
        self._record("remove_volume", name)
        self.volumes.pop(name, None)

    def create_container(self, spec: ContainerSpec) -> str:
        self._record("create_container", spec.name)
        if any(c.name == spec.name for c in self.containers.values()):
            raise EngineError(f'Conflict. The container name "/{spec.name}" is already in use')
        image_id = self.images.get(spec.image, spec.image if spec.image.startswith("sha256:") else "")
        if not image_id:
            raise NotFoundError(f"No such image: {spec.image}")
        container_id = self._new_id("ctr")
        self.containers[container_id] = container_from_spec(spec, container_id, image_id)
        self.created_specs[container_id] = spec
        self.live_files.update({(container_id, f.target): f.content for f in spec.files if f.live})
        return container_id

    def start(self, container_id: str) -> None:
        self._record("start", container_id)
        container = self._get(container_id)
        has_check = container.id not in self.created_specs or self.created_specs[container.id].health is not None
        health = self.health_on_start if has_check else Health.NONE
        self._set(container, state=ContainerState.RUNNING, health=health, exit_code=None)

    def stop(self, container_id: str, timeout_s: int) -> None:
        self._record("stop", container_id, timeout_s)
        container = self._get(container_id)
        self._set(container, state=ContainerState.EXITED, health=Health.NONE, exit_code=0)

    def remove(self, container_id: str) -> None:
        self._record("remove", container_id)
        try:
            container = self._get(container_id)
        except NotFoundError:
            return
        del self.containers[container.id]

    def rename(self, container_id: str, new_name: str) -> None:
        self._record("rename", container_id, new_name)
        container = self._get(container_id)
        if any(c.name == new_name and c.id != container.id for c in self.containers.values()):
            raise EngineError(f'Conflict. The container name "/{new_name}" is already in use')
        self._set(container, name=new_name)

    def update_resources(
        self,
        container_id: str,
        nano_cpus: int | None,
        mem_limit: int | None,
        mem_reservation: int | None,
        restart: str,
    ) -> None:
        self._record("update_resources", container_id, nano_cpus, mem_limit, mem_reservation, restart)
        container = self._get(container_id)
        self._set(container, nano_cpus=nano_cpus, mem_limit=mem_limit, mem_reservation=mem_reservation, restart=restart)

    def inspect_health(self, container_id: str) -> tuple[ContainerState, Health, int | None]:
        self._record("inspect_health", container_id)
        container = self._get(container_id)
        return container.state, container.health, container.exit_code

    def run_health_check(self, container_id: str) -> bool | None:
        """The fake's health command passes exactly when the fake reports the container healthy."""
        self._record("run_health_check", container_id)
        container = self._get(container_id)
        if container.health is Health.NONE:
            return None
        return container.state is ContainerState.RUNNING and container.health is Health.HEALTHY

    def open_connections(self, container_id: str) -> int | None:
        """Scripted by ``connections[name]`` (one count per call, the last repeats); None (unknown) otherwise."""
        self._record("open_connections", container_id)
        counts = self.connections.get(self._get(container_id).name)
        if not counts:
            return None
        return counts.pop(0) if len(counts) > 1 else counts[0]

    def leave_alias(self, container_id: str, network: str, keep_aliases: Sequence[str] = ()) -> None:
        self._record("leave_alias", container_id, network, tuple(keep_aliases))
        container = self._get(container_id)
        self._set(container, networks={**container.networks, network: tuple(keep_aliases)})

    def disconnect(self, container_id: str, network: str) -> None:
        self._record("disconnect", container_id, network)
        container = self._get(container_id)
        self._set(container, networks={k: v for k, v in container.networks.items() if k != network})

    def container_ip(self, container_id: str, network: str) -> str:
        self._record("container_ip", container_id, network)
        container = self._get(container_id)
        if container.state is not ContainerState.RUNNING:
            raise EngineError(f"container {container.name} has no address on network {network}")
        return f"10.0.{int(container.id[:2], 16)}.{int(container.id[2:4], 16) or 1}"

    def dns_name(self, container_id: str, network: str) -> str:
        self._record("dns_name", container_id, network)
        container = self._get(container_id)
        if network not in container.networks:
            raise EngineError(f"container {container.name} is not on network {network}")
        return container.id[:12]

    def read_live_file(self, container_id: str, target: str) -> str:
        self._record("read_live_file", container_id, target)
        key = (self._get(container_id).id, target)
        if key not in self.live_files:
            raise EngineError(f"container {container_id} has no live file {target}")
        return self.live_files[key]

    def write_live_file(self, container_id: str, target: str, text: str) -> None:
        self._record("write_live_file", container_id, target)
        key = (self._get(container_id).id, target)
        if key not in self.live_files:
            raise EngineError(f"container {container_id} has no live file {target}")
        self.live_files[key] = text

    def signal(self, container_id: str, signal: str) -> None:
        self._record("signal", container_id, signal)
        self._get(container_id)

    def published_port(self, container_id: str, container_port: int) -> int:
        self._record("published_port", container_id, container_port)
        container = self._get(container_id)
        for port in container.ports:
            if port.container == container_port and port.host is not None:
                return port.host or 40000 + container_port % 20000
        raise EngineError(f"container {container.name} publishes no host port for {container_port}/tcp")

    def logs(
        self, container_ids: Sequence[str], tail: int | None = 100, follow: bool = False
    ) -> Iterator[tuple[str, str]]:
        self._record("logs", tuple(container_ids), tail, follow)
        for container_id in container_ids:
            name = self._get(container_id).name
            lines = self.logs_by_name.get(name, [])
            for line in lines[-tail:] if tail else lines:
                yield name, line

    def image_id(self, ref: str) -> str | None:
        self._record("image_id", ref)
        return self.images.get(ref)

    def pull_image(self, ref: str) -> str:
        """Succeeds for references preset in ``pullable`` (registry contents), else fails like a missing image."""
        self._record("pull_image", ref)
        if ref not in self.pullable:
            raise EngineError(f"pulling {ref} failed: manifest for {ref} not found")
        self.images[ref] = self.pullable[ref]
        return self.pullable[ref]

    def build_image(
        self,
        context_dir: Path,
        dockerfile_text: str,
        tag: str,
        labels: Mapping[str, str],
        *,
        target: str | None = None,
        args: Mapping[str, str] | None = None,
        exclude: tuple[str, ...] = (),
    ) -> str:
        self._record("build_image", str(context_dir), tag)
        options = f"{target}\0{sorted((args or {}).items())}"
        image_id = "sha256:" + hashlib.sha256(f"{context_dir}\0{dockerfile_text}\0{options}".encode()).hexdigest()
        self.images[tag] = image_id
        self.images[image_id] = image_id
        return image_id

    def tag_image(self, image: str, tag: str) -> None:
        self._record("tag_image", image, tag)
        image_id = self.images.get(image) or (image if image in self.images.values() else None)
        if image_id is None:
            raise NotFoundError(f"No such image: {image}")
        self.images[tag] = image_id

    def context_digest(self, context_dir: Path, dockerfile_text: str, exclude: tuple[str, ...] = ()) -> str:
        """Only the Dockerfile text and the folder's name: tests that need real digests use the real gateway."""
        self._record("context_digest", str(context_dir))
        return hashlib.sha256(f"{context_dir}\0{dockerfile_text}".encode()).hexdigest()

    def remove_image(self, image: str) -> None:
        self._record("remove_image", image)
        if not image.startswith("sha256:"):
            self.images.pop(image, None)  # a reference: untag, like `docker rmi name:tag`
            return
        for ref in [ref for ref, value in self.images.items() if value == image]:
            del self.images[ref]


    def image_tags(self, repository: str) -> list[str]:
        self._record("image_tags", repository)
        return sorted(ref for ref in self.images if ref.rpartition(":")[0] == repository)

    def proxy_runtime(self, host: str, port: int, timeout_s: float = 5.0) -> FakeProxyRuntime:
        self._record("proxy_runtime", host, port)
        return self.proxy

    # ---- LockBackend --------------------------------------------------------------------------------------
    def lock_create(self, name: str, labels: Mapping[str, str]) -> str | None:
        self._record("lock_create", name)
        if name in self.locks:
            return None
        object_id = self._new_id("lock")
        self.locks[name] = (object_id, dict(labels), "")
        return object_id

    def lock_read(self, name: str) -> tuple[str, dict[str, str], str] | None:
        self._record("lock_read", name)
        return self.locks.get(name)

    def lock_write_lease(self, object_id: str, text: str) -> None:
        self._record("lock_write_lease", object_id)
        for name, (held, labels, _lease) in list(self.locks.items()):
            if held == object_id:
                self.locks[name] = (held, labels, text)
                return
        raise NotFoundError(f"no lock object {object_id}")

    def lock_remove(self, object_id: str) -> bool:
        self._record("lock_remove", object_id)
        for name, (held, _labels, _lease) in list(self.locks.items()):
            if held == object_id:
                del self.locks[name]
                return True
        return False


if TYPE_CHECKING:  # mypy proves the fake satisfies the ports it stands in for
    _gateway: LockingGateway = FakeGateway()
