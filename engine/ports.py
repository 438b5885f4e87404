"""Every port the use cases, the planner and the executor depend on, in one module, each with a shipped fake.

=====================  ==============================================  ========================================
port                   real implementation                             fake (``engine.testing``)
=====================  ==============================================  ========================================
``DockerGateway``      ``engine.adapters.docker.DockerSdkGateway``     ``FakeGateway``
``LockBackend``        the same (a created, never started container)   ``FakeGateway`` (in memory)
``ProxyApi``           ``engine.proxy.runtime.HaproxyRuntime``         ``FakeProxyRuntime``
``HistoryStore``       ``engine.history.sqlite.SqliteHistoryStore``    ``InMemoryHistoryStore``
``Clock``              ``engine.adapters.clock.SystemClock``           ``FakeClock``
``ExecutionListener``  ``engine.cli.progress.ProgressPrinter``         ``engine.events.RecordingListener``
``Journal``            ``engine.usecases.release.HistoryJournal``      ``engine.execute.executor.NullJournal``
=====================  ==============================================  ========================================

``DockerGateway`` is the target seam: what the planner's observed state comes from and what the executor's steps
are made of (see the README's development section for how a second target plugs in). This module must stay
import-light: importing it never imports ``docker`` or Jinja.

Contract shared by every gateway:

- Everything returned is one of the frozen types of ``engine.observe.types``; nothing above the gateway sees SDK
  objects.
- Every failure is an ``engine.errors.EngineError`` (``NotFoundError`` when the object does not exist).
- Removals are idempotent: removing something already gone succeeds, so a crashed apply can be re-run.
- Secret values reach the engine only inside ``ContainerSpec.secret_env`` at create time; never in labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from engine.desire.types import ContainerSpec
from engine.events import Event
from engine.history.model import ReleaseKind, ReleaseRecord, ReleaseStatus, Stats, StepRecord, StepStatus
from engine.observe.types import ContainerState, Health, ObservedState
from engine.plan.steps import Step


class ProxyStat(Protocol):
    """One server of a proxy backend, with the counters a canary is judged by."""

    @property
    def name(self) -> str: ...
    @property
    def addr(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def weight(self) -> int: ...
    @property
    def requests(self) -> int: ...
    @property
    def errors(self) -> int: ...
    @property
    def rtime(self) -> int:
        """Average milliseconds to the first byte of the answer over the last 1024 requests (HTTP only)."""
        ...


class ProxyApi(Protocol):
    """The proxy's runtime API as the proxy steps and the planner use it."""

    def wait_ready(self, deadline_s: float) -> str: ...
    def servers(self, backend: str) -> Sequence[ProxyStat]: ...
    def server_names(self) -> Mapping[str, tuple[str, ...]]:
        """Backend → its servers' names, from one request: what the planner compares with the replicas."""
        ...
    def add_server(
        self, backend: str, name: str, addr: str, port: int, weight: int = 100, *, check: bool = False,
        check_interval_ms: int = 1000, ready: bool = True,
    ) -> None: ...
    def wait_checked(
        self, backend: str, name: str, deadline_s: float, sleep: Callable[[float], None] = ...,
        clock: Callable[[], float] = ...,
    ) -> bool: ...
    def ready(self, backend: str, name: str) -> None: ...
    def drain(self, backend: str, name: str) -> None:
        """No new requests to the server; the ones in flight finish (a canary whose window failed)."""
        ...
    def del_server(self, backend: str, name: str) -> None: ...
    def retire(self, backend: str, name: str, deadline_s: float, sleep: Callable[[float], None] = ...) -> bool: ...


@runtime_checkable
class DockerGateway(Protocol):
    """What the planner and executor need from a Docker engine, and nothing more."""

    def engine_id(self) -> str:
        """The engine's ID, part of a plan's fingerprint so a plan is never applied to another engine."""
        ...

    def observe(self, app: str, image_refs: Iterable[str] = ()) -> ObservedState:
        """The app's containers, networks and volumes, plus the image ID of each reference, in a constant number
        of list calls; the planner diffs this against the desired state."""
        ...

    def ensure_network(self, name: str, labels: Mapping[str, str]) -> str:
        """Create the network unless it exists; returns its ID. Idempotent so re-applying converges."""
        ...

    def ensure_volume(self, name: str, labels: Mapping[str, str]) -> str:
        """Create the named volume unless it exists; returns its name. Never touches existing data."""
        ...

    def remove_network(self, name: str) -> None:
        """Remove a network (gone already is fine)."""
        ...

    def remove_volume(self, name: str) -> None:
        """Remove a named volume and its data; only `destroy --volumes` asks for this."""
        ...

    def create_container(self, spec: ContainerSpec) -> str:
        """Create (not start) one container from every field of ``spec``; returns its ID."""
        ...

    def start(self, container_id: str) -> None:
        """Start a created or stopped container."""
        ...

    def stop(self, container_id: str, timeout_s: int) -> None:
        """Stop with SIGTERM, then SIGKILL after ``timeout_s``: the grace period the spec asked for."""
        ...

    def remove(self, container_id: str) -> None:
        """Remove a container, forcing it if it still runs (gone already is fine). Named volumes stay."""
        ...

    def rename(self, container_id: str, new_name: str) -> None:
        """Rename, so a replacement can take a replica's canonical name once the old one is out of the way."""
        ...

    def update_resources(
        self,
        container_id: str,
        nano_cpus: int | None,
        mem_limit: int | None,
        mem_reservation: int | None,
        restart: str,
    ) -> None:
        """``docker update``: change cpu, memory and restart policy in place, without a new container."""
        ...

    def inspect_health(self, container_id: str) -> tuple[ContainerState, Health, int | None]:
        """State, health and exit code (None while it runs) of one container: what a health gate polls."""
        ...

    def run_health_check(self, container_id: str) -> bool | None:
        """Run the container's own health command once, now, as the engine runs it (an exec as the container's
        user, bounded by the check's timeout): True when it exits 0 in time, False otherwise, None when the
        container has no health command of its own to run. Lets a gate learn "healthy" before Docker's first
        scheduled check, one ``interval`` after start (Docker 20.10 has no ``start_interval``)."""
        ...

    def open_connections(self, container_id: str) -> int | None:
        """How many TCP connections clients have open to the container's listening ports now (what a drain waits
        for), or None when the engine cannot tell (not on this host, the container does not run)."""
        ...

    def leave_alias(self, container_id: str, network: str, keep_aliases: Sequence[str] = ()) -> None:
        """Take a replica out of the service's DNS alias before it stops: reconnect it to ``network`` with only
        ``keep_aliases``, so new connections go to the other replicas while it can still reach its dependencies."""
        ...

    def disconnect(self, container_id: str, network: str) -> None:
        """Detach a container from a network (not attached is fine)."""
        ...

    def container_ip(self, container_id: str, network: str) -> str:
        """The container's IP address on ``network`` (what the proxy forwards to); EngineError when it is not
        attached there."""
        ...

    def dns_name(self, container_id: str, network: str) -> str:
        """A name Docker's DNS resolves to the container on ``network`` for as long as it exists, whatever its
        address and across renames (the proxy's members file addresses replicas by it)."""
        ...

    def read_live_file(self, container_id: str, target: str) -> str:
        """The current text of a live ``FileMount`` of the container (EngineError when it has none there)."""
        ...

    def write_live_file(self, container_id: str, target: str, text: str) -> None:
        """Replace a live ``FileMount``'s text atomically: the container sees the old file or the new one."""
        ...

    def signal(self, container_id: str, signal: str) -> None:
        """Send a signal (``SIGUSR2``: HAProxy's master reloads its configuration) to the container's PID 1."""
        ...

    def published_port(self, container_id: str, container_port: int) -> int:
        """The host port Docker bound for the container's TCP ``container_port`` (one published with host port 0
        gets a free one at start); EngineError when it is not published or the container does not run."""
        ...

    def logs(
        self, container_ids: Sequence[str], tail: int | None = 100, follow: bool = False
    ) -> Iterator[tuple[str, str]]:
        """Lines of stdout and stderr as ``(container_name, line)``: for `shipspec logs` and for the last lines a
        failed step reports. With ``follow`` the replicas' lines interleave as they arrive."""
        ...

    def image_id(self, ref: str) -> str | None:
        """The local image ID a reference resolves to, or None; nothing is ever pulled implicitly."""
        ...

    def pull_image(self, ref: str) -> str:
        """Pull a reference the engine lacks (only when a plan says so); returns the image ID."""
        ...

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
        """Build with the engine from ``context_dir`` and a Dockerfile given as text (the rendered one, not
        necessarily a file in the context), stopping at stage ``target`` with build ``args``; ``exclude``d
        context paths are never sent. Returns the image ID."""
        ...

    def tag_image(self, image: str, tag: str) -> None:
        """Give an image (ID or reference) another ``repo:tag`` name."""
        ...

    def context_digest(self, context_dir: Path, dockerfile_text: str, exclude: tuple[str, ...] = ()) -> str:
        """sha256 over exactly what a build would send (``.dockerignore`` honoured, ``exclude`` left out) and the
        Dockerfile, so the plan rebuilds only when the context changed."""
        ...

    def remove_image(self, image: str) -> None:
        """Remove an image reference or ID (gone already is fine)."""
        ...

    def image_tags(self, repository: str) -> list[str]:
        """Every ``repository:tag`` name the engine has for exactly this repository (release tags are listed and
        removed with it), sorted; an unknown repository has none."""
        ...

    def proxy_runtime(self, host: str, port: int, timeout_s: float = 5.0) -> ProxyApi:
        """A client for the runtime API of the app's proxy published at ``host:port`` (HAProxy's, for the real
        engine; a recording fake for ``engine.testing.FakeGateway``)."""
        ...


class LockBackend(Protocol):
    """Where the apply lock lives: on the engine itself, so two machines sharing one engine see the same lock."""

    def lock_create(self, name: str, labels: Mapping[str, str]) -> str | None:
        """Create the lock object atomically; its ID, or None when one by that name exists."""
        ...

    def lock_read(self, name: str) -> tuple[str, dict[str, str], str] | None:
        """(object ID, labels, lease text) of the named lock, or None."""
        ...

    def lock_write_lease(self, object_id: str, text: str) -> None:
        """Rewrite the lease while the holder runs."""
        ...

    def lock_remove(self, object_id: str) -> bool:
        """Remove exactly this lock object; False when it is already gone."""
        ...


@runtime_checkable
class LockingGateway(DockerGateway, LockBackend, Protocol):
    """A gateway that can also hold the apply lock (``engine.usecases.lock``): what every use case is given."""


class HistoryStore(Protocol):
    """The append-only release history (Helm's model): one row per release, one per step, never rewritten
    except to close a release or prune old ones."""

    def begin_release(
        self, *, app: str, env: str, kind: ReleaseKind, spec_hash: str, spec_snapshot: str, plan_json: str,
        image_ids: dict[str, str], artifact_hashes: dict[str, str], rollback_of: int | None = None,
        operator: str = "", revision: int | None = None,
    ) -> int:
        """Record a pending release; its revision (``revision`` when above every recorded one)."""
        ...

    def step_started(
        self, app: str, env: str, revision: int, *, seq: int, step_id: str, kind: str, service: str, cause: str
    ) -> None: ...

    def step_finished(
        self, app: str, env: str, revision: int, *, seq: int, status: StepStatus, detail: str = ""
    ) -> None: ...

    def finish_release(
        self, app: str, env: str, revision: int, *, status: ReleaseStatus, error: str = "",
        image_ids: dict[str, str] | None = None,
    ) -> None:
        """Close a release; a deployed (or destroyed) one supersedes the previously deployed one."""
        ...

    def prune(self, app: str, env: str, keep: int) -> list[int]: ...
    def releases(self, app: str, env: str, limit: int | None = None) -> list[ReleaseRecord]: ...
    def next_revision(self, app: str, env: str) -> int: ...
    def get(self, app: str, env: str, revision: int) -> ReleaseRecord: ...
    def last_deployed(self, app: str, env: str) -> ReleaseRecord | None: ...
    def pending(self, app: str, env: str) -> list[ReleaseRecord]: ...
    def steps(self, app: str, env: str, revision: int) -> list[StepRecord]: ...
    def stats(self, app: str, env: str, last: int | None = None) -> Stats: ...


@runtime_checkable
class Clock(Protocol):
    """Time as the executor, the lock and the use cases see it: every deadline and every poll goes through it, so
    they are testable with ``engine.testing.FakeClock``."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back: for deadlines and durations."""
        ...

    def now(self) -> float:
        """Wall-clock seconds since the epoch: for timestamps and lock leases."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait between polls."""
        ...


class ExecutionListener(Protocol):
    """Receives what a running use case reports (``engine.events``); the CLI prints it, tests record it."""

    def on_event(self, event: Event) -> None: ...


class Journal(Protocol):
    """Where the executor records step starts and ends durably (the release history)."""

    def started(self, seq: int, step: Step) -> None: ...

    def finished(self, seq: int, step: Step, ok: bool, detail: str) -> None: ...

    def undone(self, seq: int, step: Step) -> None: ...
