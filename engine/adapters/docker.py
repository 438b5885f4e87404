"""The Docker gateway: the only module of shipspec that imports the Docker SDK.

``DockerSdkGateway`` implements ``engine.ports.DockerGateway`` on the SDK's low-level ``APIClient`` (the
high-level ``client.containers.list()`` inspects every container it lists, one request each). It owns three jobs:

- talk to the engine (created lazily with ``docker.from_env(version="auto")``, so ``DOCKER_HOST`` is honoured and
  a command that never needs the engine never connects);
- convert every answer at once into the frozen ``engine.observe.types`` (``engine.observe.parse`` does the parsing,
  ``docker_config`` writes create requests, ``docker_files`` and ``docker_logs`` do host files and log streams);
- map SDK and transport errors onto ``EngineError`` with one clear line at this boundary.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal, cast

import docker
import docker.errors
import requests.exceptions
from docker.utils import build as build_utils

from engine.adapters.docker_build import dockerignore_patterns, follow_build, follow_pull
from engine.adapters.docker_config import create_body, restart_body, split_repo_tag
from engine.adapters.docker_errors import unreachable_message
from engine.adapters.docker_exec import inbound_connections, run_health_check
from engine.adapters.docker_files import (
    digest_context,
    live_source,
    materialise_files,
    read_single_file,
    single_file_tar,
)
from engine.adapters.docker_logs import interleave, split_lines
from engine.atomic import write_atomic
from engine.desire.types import ContainerSpec
from engine.errors import EngineError, NotFoundError
from engine.labels import app_filter
from engine.observe.parse import (
    container_from_inspect,
    foreign_names,
    network_from_list,
    resolve_images,
    state_from_inspect,
    volume_from_list,
)
from engine.observe.types import ContainerState, Health, ObservedContainer, ObservedState
from engine.ports import ProxyApi
from engine.spec.buildcontext import is_never_sent

LOCK_IMAGE = "shipspec/lock:1"
LEASE_FILE = "lease.json"
DOCKERFILE_NAME = ".shipspec.Dockerfile"  # the rendered Dockerfile's name inside the build context we send


def _explanation(exc: docker.errors.APIError) -> str:
    return str(exc.explanation or exc).strip().splitlines()[0]


@contextmanager
def _boundary(what: str) -> Iterator[None]:
    """Translate whatever the SDK raises into our tree, naming the operation that failed."""
    try:
        yield
    except docker.errors.NotFound as exc:
        raise NotFoundError(f"{what}: {_explanation(exc)}") from exc
    except docker.errors.APIError as exc:
        raise EngineError(f"{what}: {_explanation(exc)}") from exc
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise EngineError(unreachable_message(exc)) from exc
    except docker.errors.DockerException as exc:
        raise EngineError(f"{what}: {str(exc).splitlines()[0]}") from exc


# For engine.swarm.gateway, which works on Swarm objects through the same SDK without importing it: the client
# comes from here, and errors cross the same boundary.
engine_boundary = _boundary


def connect(docker_host: str | None = None, timeout_s: float = 60.0) -> docker.APIClient:
    """A low-level client for ``docker_host`` (a Swarm manager), else for ``DOCKER_HOST`` or the local socket.
    Raises the SDK's own errors: callers map them (an unreachable engine has its own message)."""
    if docker_host:
        return docker.APIClient(base_url=docker_host, version="auto", timeout=int(timeout_s))
    return docker.from_env(version="auto", timeout=int(timeout_s)).api


def _short(container: str) -> str:
    """IDs shortened as Docker shows them; names kept whole."""
    is_id = len(container) == 64 and all(c in "0123456789abcdef" for c in container)
    return container[:12] if is_id else container


@contextmanager
def _gone_is_fine(what: str) -> Iterator[None]:
    """Removals are idempotent: the goal (the object is absent) already holds."""
    try:
        with _boundary(what):
            yield
    except NotFoundError:
        pass


class DockerSdkGateway:
    """``DockerGateway`` over the SDK. ``state_dir`` holds the content-addressed files that ``FileMount``s bind
    into containers (the engine must run on this host for those binds to resolve)."""

    def __init__(
        self, state_dir: Path, *, inspect_workers: int = 8, timeout_s: int = 60, docker_host: str | None = None
    ) -> None:
        self.state_dir = state_dir
        self.docker_host = docker_host  # a spec's target.docker_host; None: DOCKER_HOST or the local socket
        self.inspect_workers = inspect_workers
        self.timeout_s = timeout_s
        self._client: docker.APIClient | None = None
        self._engine_id: str | None = None
        self._lock = threading.Lock()

    def api(self) -> docker.APIClient:
        """The low-level client, connected on first use; negotiating the API version is the first request, so
        an engine that is down fails here with one line."""
        with self._lock:
            if self._client is None:
                try:
                    self._client = connect(self.docker_host, self.timeout_s)
                except docker.errors.DockerException as exc:
                    raise EngineError(unreachable_message(exc)) from exc
            return self._client

    def engine_id(self) -> str:
        """Cached: an engine's ID does not change while we talk to it."""
        if self._engine_id is None:
            with _boundary("reading the engine's info"):
                self._engine_id = str(self.api().info()["ID"])
        return self._engine_id

    def observe(self, app: str, image_refs: Iterable[str] = ()) -> ObservedState:
        """Three label-filtered list calls (containers, networks, volumes) plus one image list when references
        are asked for, whatever the number of containers. The container list lacks what drift detection needs
        (cpu and memory limits, restart policy, health, exit code, network aliases: all changeable behind our back
        with `docker update`, `docker stop` or `docker network disconnect`), so each listed container is inspected,
        concurrently on a small bounded pool: latency stays near one round-trip while the engine is not flooded.
        The other lists and the engine's info are read meanwhile, beside the container list and the inspects."""
        refs = tuple(dict.fromkeys(image_refs))
        api, filters = self.api(), app_filter(app)

        def other_lists() -> tuple[list[Any], list[Any], list[Any], list[Any]]:
            with _boundary(f"observing app {app}"):
                networks = api.networks(filters=filters)
                volumes = (api.volumes(filters=filters) or {}).get("Volumes") or []
                images = api.images() if refs else []
                named = api.containers(all=True, filters={"name": f"^/{re.escape(app)}-"})
            return networks, volumes, images, named

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="shipspec-observe") as pool:
            lists = pool.submit(other_lists)
            engine = pool.submit(self.engine_id)
            with _boundary(f"observing app {app}"):
                listed = api.containers(all=True, filters=filters)
            containers = self._inspect_all([str(entry["Id"]) for entry in listed])
            networks, volumes, images, named = lists.result()
            engine_id = engine.result()
        return ObservedState(
            app=app,
            engine_id=engine_id,
            containers=tuple(sorted(containers, key=lambda c: (c.service, c.slot, c.name))),
            networks=tuple(sorted((network_from_list(n) for n in networks), key=lambda n: n.name)),
            volumes=tuple(sorted((volume_from_list(v) for v in volumes), key=lambda v: v.name)),
            images=resolve_images(refs, images),
            foreign=foreign_names(app, named),
        )

    def _inspect_or_none(self, container_id: str) -> ObservedContainer | None:
        try:
            with _boundary(f"inspecting container {_short(container_id)}"):
                return container_from_inspect(self.api().inspect_container(container_id))
        except NotFoundError:
            return None  # removed between the list and the inspect: it is gone, so it is not observed

    def _inspect_all(self, ids: Sequence[str]) -> list[ObservedContainer]:
        if len(ids) <= 1:
            found = [self._inspect_or_none(i) for i in ids]
        else:
            with ThreadPoolExecutor(max_workers=min(self.inspect_workers, len(ids))) as pool:
                found = list(pool.map(self._inspect_or_none, ids))
        return [c for c in found if c is not None]

    def ensure_network(self, name: str, labels: Mapping[str, str]) -> str:
        """List by name first (the name filter matches substrings, so compare exactly), create when absent."""
        api = self.api()
        with _boundary(f"ensuring network {name}"):
            for network in api.networks(names=[name]):
                if network["Name"] == name:
                    return str(network["Id"])
            return str(api.create_network(name, driver="bridge", labels=dict(labels), check_duplicate=True)["Id"])

    def ensure_volume(self, name: str, labels: Mapping[str, str]) -> str:
        """Inspect first so an existing volume (and its data and labels) is never touched."""
        api = self.api()
        try:
            with _boundary(f"ensuring volume {name}"):
                return str(api.inspect_volume(name)["Name"])
        except NotFoundError:
            with _boundary(f"creating volume {name}"):
                return str(api.create_volume(name, driver="local", labels=dict(labels))["Name"])

    def remove_network(self, name: str) -> None:
        """Fails (EngineError) while containers are still attached: remove them first."""
        with _gone_is_fine(f"removing network {name}"):
            self.api().remove_network(name)

    def remove_volume(self, name: str) -> None:
        """Deletes the data; only `destroy --volumes` calls this."""
        with _gone_is_fine(f"removing volume {name}"):
            self.api().remove_volume(name)

    def create_container(self, spec: ContainerSpec) -> str:
        """Files are written to the state dir first (their binds are part of the create request). Secret values
        travel only in the request's Env: Docker keeps them in the container's config, as for any env var, but
        they never reach a label, a log line or an error message of ours."""
        file_mounts = materialise_files(self.state_dir, spec.files, spec.name, spec.config_hash)
        create: Callable[..., Mapping[str, Any]] = self.api().create_container_from_config  # untyped in the stubs
        with _boundary(f"creating container {spec.name}"):
            answer = create(create_body(spec, file_mounts), name=spec.name)
        for network in spec.extra_networks:  # joined before start: the process sees every interface at once
            with _boundary(f"connecting container {spec.name} to {network}"):
                self.api().connect_container_to_network(str(answer["Id"]), network)
        return str(answer["Id"])

    def start(self, container_id: str) -> None:
        with _boundary(f"starting container {_short(container_id)}"):
            self.api().start(container_id)

    def stop(self, container_id: str, timeout_s: int) -> None:
        with _boundary(f"stopping container {_short(container_id)}"):
            self.api().stop(container_id, timeout=timeout_s)

    def remove(self, container_id: str) -> None:
        """``force`` so a container that restarted by itself still goes; ``v`` drops only anonymous volumes."""
        with _gone_is_fine(f"removing container {_short(container_id)}"):
            self.api().remove_container(container_id, v=True, force=True)

    def rename(self, container_id: str, new_name: str) -> None:
        with _boundary(f"renaming container {_short(container_id)} to {new_name}"):
            self.api().rename(container_id, new_name)

    def update_resources(
        self,
        container_id: str,
        nano_cpus: int | None,
        mem_limit: int | None,
        mem_reservation: int | None,
        restart: str,
    ) -> None:
        """A raw ``POST /containers/{id}/update``: the SDK's ``update_container`` has no NanoCpus, and mixing
        CpuQuota with a create-time NanoCpus is refused. The engine treats 0 as "unchanged", so a limit cannot be
        lifted in place (the planner recreates for that). Swap is kept at twice the memory, as at create."""
        body: dict[str, Any] = {"RestartPolicy": restart_body(restart)}
        if nano_cpus:
            body["NanoCpus"] = nano_cpus
        if mem_limit:
            body["Memory"] = mem_limit
            body["MemorySwap"] = 2 * mem_limit
        if mem_reservation:
            body["MemoryReservation"] = mem_reservation
        api = self.api()
        url = f"{api.base_url}/v{api.api_version}/containers/{container_id}/update"
        with _boundary(f"updating container {_short(container_id)}"):
            response = api.post(url, json=body, timeout=self.timeout_s)
            try:
                response.raise_for_status()
            except requests.exceptions.HTTPError as exc:
                docker.errors.create_api_error_from_http_exception(exc)

    def inspect_health(self, container_id: str) -> tuple[ContainerState, Health, int | None]:
        with _boundary(f"inspecting container {_short(container_id)}"):
            return state_from_inspect(self.api().inspect_container(container_id))

    def run_health_check(self, container_id: str) -> bool | None:
        """See ``engine.adapters.docker_exec.run_health_check``."""
        with _boundary(f"running the health check of {_short(container_id)}"):
            return run_health_check(self.api(), container_id)

    def open_connections(self, container_id: str) -> int | None:
        """Read from the host's ``/proc/<pid>/net/tcp*`` (the container's network namespace), only for an engine
        on this host's Unix socket; see ``engine.adapters.docker_exec.inbound_connections``."""
        if not str(self.api().base_url).startswith("http+docker://localhost"):
            return None
        with _boundary(f"inspecting container {_short(container_id)}"):
            pid = int((self.api().inspect_container(container_id).get("State") or {}).get("Pid") or 0)
        return inbound_connections(pid) if pid > 0 else None

    def leave_alias(self, container_id: str, network: str, keep_aliases: Sequence[str] = ()) -> None:
        """Docker cannot drop one alias of an endpoint, so the endpoint is recreated without it. Connections open
        through the old endpoint break: use this before stop, after the proxy (if any) stopped sending traffic."""
        self.disconnect(container_id, network)  # idempotent: a crash may have left it disconnected already
        with _boundary(f"reconnecting container {_short(container_id)} to {network}"):
            self.api().connect_container_to_network(container_id, network, aliases=list(keep_aliases) or None)

    def disconnect(self, container_id: str, network: str) -> None:
        try:
            with _boundary(f"disconnecting container {_short(container_id)} from {network}"):
                self.api().disconnect_container_from_network(container_id, network)
        except EngineError as exc:
            if "is not connected" not in str(exc):
                raise

    def container_ip(self, container_id: str, network: str) -> str:
        with _boundary(f"inspecting container {_short(container_id)}"):
            attrs = self.api().inspect_container(container_id)
        ip = ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(network, {}).get("IPAddress")
        if not ip:
            raise EngineError(f"container {_short(container_id)} has no address on network {network}")
        return str(ip)

    def dns_name(self, container_id: str, network: str) -> str:
        """The short container ID: Docker's DNS resolves it on every user-defined network, and it survives a
        rename and a restart (the container name of a replacement changes once, its IP address may change)."""
        with _boundary(f"inspecting container {_short(container_id)}"):
            attrs = self.api().inspect_container(container_id)
        if network not in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}):
            raise EngineError(f"container {_short(container_id)} is not on network {network}")
        return str(attrs["Id"])[:12]

    def _live_path(self, container_id: str, target: str) -> Path:
        with _boundary(f"inspecting container {_short(container_id)}"):
            attrs = self.api().inspect_container(container_id)
        binds = [(str(m.get("Source")), str(m.get("Destination"))) for m in attrs.get("Mounts") or []]
        try:
            return live_source(binds, target)
        except FileNotFoundError as exc:
            raise EngineError(f"container {_short(container_id)}: {exc}") from None

    def read_live_file(self, container_id: str, target: str) -> str:
        try:
            return self._live_path(container_id, target).read_text(encoding="utf-8")
        except OSError as exc:
            raise EngineError(f"reading {target} of container {_short(container_id)}: {exc}") from exc

    def write_live_file(self, container_id: str, target: str, text: str) -> None:
        try:
            write_atomic(self._live_path(container_id, target), text.encode(), mode=0o644)
        except OSError as exc:
            raise EngineError(f"writing {target} of container {_short(container_id)}: {exc}") from exc

    def signal(self, container_id: str, signal: str) -> None:
        with _boundary(f"signalling container {_short(container_id)}"):
            self.api().kill(container_id, signal=signal)

    def published_port(self, container_id: str, container_port: int) -> int:
        with _boundary(f"inspecting container {_short(container_id)}"):
            attrs = self.api().inspect_container(container_id)
        bound = ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{container_port}/tcp") or []
        for entry in sorted(bound, key=lambda b: b.get("HostIp") != "127.0.0.1"):
            if entry.get("HostPort"):
                return int(entry["HostPort"])
        raise EngineError(f"container {_short(container_id)} publishes no host port for {container_port}/tcp")

    def logs(
        self, container_ids: Sequence[str], tail: int | None = 100, follow: bool = False
    ) -> Iterator[tuple[str, str]]:
        """Without follow, each container's lines in turn (one request each, read whole); with follow, one open
        stream and reader per replica, interleaved (see docker_logs)."""
        api = self.api()
        lines: Literal["all"] | int = "all" if tail is None else tail
        with _boundary("reading container logs"):
            names = [str(api.inspect_container(i)["Name"]).lstrip("/") for i in container_ids]
        if not follow:
            for name, container_id in zip(names, container_ids, strict=True):
                with _boundary(f"reading logs of {name}"):
                    text = api.logs(container_id, stream=False, tail=lines)
                yield from ((name, line) for line in split_lines([text]))
            return
        with _boundary("following container logs"):
            streams = [api.logs(i, stream=True, follow=True, tail=lines) for i in container_ids]

        def close() -> None:
            for stream in streams:
                stream.close()

        yield from interleave(list(zip(names, streams, strict=True)), close)

    def image_id(self, ref: str) -> str | None:
        inspect: Callable[[str], Mapping[str, Any]] = self.api().inspect_image  # untyped in the stubs
        try:
            with _boundary(f"inspecting image {ref}"):
                return str(inspect(ref)["Id"])
        except NotFoundError:
            return None

    def pull_image(self, ref: str) -> str:
        """Streams the pull so a registry error arrives as an event we turn into one line."""
        pull: Callable[..., Iterable[Mapping[str, Any]]] = self.api().pull  # untyped in the stubs
        with _boundary(f"pulling {ref}"):
            follow_pull(pull(ref, stream=True, decode=True), ref)
        return self._required_image_id(ref)

    def _context_paths(self, context_dir: Path, exclude: tuple[str, ...]) -> set[str]:
        """What ``docker build`` would send, by the SDK's own ``.dockerignore`` matcher, minus what is never sent
        (the spec, state folder, secrets, render output: ``engine.spec.buildcontext``) whatever the patterns say."""
        if not context_dir.is_dir():
            raise EngineError(f"build context {context_dir} is not a directory")
        patterns = dockerignore_patterns(context_dir)
        sent = build_utils.exclude_paths(str(context_dir), patterns, dockerfile=DOCKERFILE_NAME) - {DOCKERFILE_NAME}
        return {p for p in sent if not is_never_sent(p, exclude)}

    def context_digest(self, context_dir: Path, dockerfile_text: str, exclude: tuple[str, ...] = ()) -> str:
        return digest_context(context_dir, self._context_paths(context_dir, exclude), dockerfile_text)

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
        """Classic builder; the Dockerfile text joins the context tar under its own name so the user's files
        (a Dockerfile of their own included) are sent untouched. Never pulls: bases must be local."""
        paths = sorted(self._context_paths(context_dir, exclude))
        extra = [(DOCKERFILE_NAME, dockerfile_text)]
        archive = cast(IO[bytes], build_utils.create_archive(str(context_dir), files=paths, extra_files=extra))
        with archive, _boundary(f"building image {tag}"):
            events = self.api().build(
                fileobj=archive, custom_context=True, dockerfile=DOCKERFILE_NAME, tag=tag, labels=dict(labels),
                rm=True, forcerm=True, decode=True, pull=False, target=target, buildargs=dict(args or {}),
            )  # fmt: skip
            image = follow_build(events, tag)
        return image or self._required_image_id(tag)

    def _required_image_id(self, ref: str) -> str:
        image = self.image_id(ref)
        if image is None:
            raise NotFoundError(f"image {ref} is not in the engine after building or pulling it")
        return image

    def tag_image(self, image: str, tag: str) -> None:
        repo, version = split_repo_tag(tag)
        with _boundary(f"tagging {image} as {tag}"):
            if not self.api().tag(image, repo, version, force=True):
                raise EngineError(f"tagging {image} as {tag}: the engine refused")

    def remove_image(self, image: str) -> None:
        """A reference is untagged; the image goes when no tag and no container uses it."""
        with _gone_is_fine(f"removing image {image}"):
            self.api().remove_image(image)

    def image_tags(self, repository: str) -> list[str]:
        """One list call filtered by the repository (the engine's ``reference`` filter), exact names kept only."""
        images: Callable[..., list[Mapping[str, Any]]] = self.api().images  # untyped in the stubs
        with _boundary(f"listing the tags of {repository}"):
            found = images(name=repository)
        return sorted({tag for image in found for tag in image.get("RepoTags") or ()
                       if tag.rpartition(":")[0] == repository})

    def proxy_runtime(self, host: str, port: int, timeout_s: float = 5.0) -> ProxyApi:
        """HAProxy's runtime API client (imported here: only applies that front a service with the proxy need it)."""
        from engine.proxy.runtime import HaproxyRuntime

        return HaproxyRuntime(host, port, timeout_s=timeout_s)

    # -- the apply lock (engine.ports.LockBackend) ---------------------------------------------------------------

    def lock_create(self, name: str, labels: Mapping[str, str]) -> str | None:
        """Create the never-started lock container; None when the name is taken (the engine's 409 is atomic)."""
        api = self.api()
        self._ensure_lock_image()
        try:
            with _boundary(f"creating lock {name}"):
                created = api.create_container(LOCK_IMAGE, command=["lock"], name=name, labels=dict(labels))
        except EngineError as exc:
            conflict = exc.__cause__
            if isinstance(conflict, docker.errors.APIError) and conflict.status_code == 409:
                return None
            raise
        return str(created["Id"])

    def lock_read(self, name: str) -> tuple[str, dict[str, str], str] | None:
        with _boundary(f"reading lock {name}"):
            found = self.api().containers(all=True, filters={"name": f"^/{name}$"})
        if not found:
            return None
        object_id = str(found[0]["Id"])
        labels = {str(k): str(v) for k, v in (found[0].get("Labels") or {}).items()}
        try:
            with _boundary(f"reading lock {name}'s lease"):
                stream, _stat = self.api().get_archive(object_id, "/" + LEASE_FILE)
                lease = read_single_file(b"".join(stream))
        except NotFoundError:
            lease = ""  # created but its lease not written yet, or removed meanwhile
        return object_id, labels, lease

    def lock_write_lease(self, object_id: str, text: str) -> None:
        with _boundary("renewing the lock's lease"):
            self.api().put_archive(object_id, "/", single_file_tar(LEASE_FILE, text))

    def lock_remove(self, object_id: str) -> bool:
        try:
            with _boundary("removing the lock"):
                self.api().remove_container(object_id, force=True)
        except NotFoundError:
            return False
        return True

    def _ensure_lock_image(self) -> None:
        """An empty image made locally by import: the lock needs a container, never a registry."""
        if self.image_id(LOCK_IMAGE) is not None:
            return
        repo, tag = LOCK_IMAGE.split(":")
        with _boundary("making the lock image"):
            self.api().import_image_from_data(single_file_tar(".shipspec-lock", ""), repository=repo, tag=tag)
