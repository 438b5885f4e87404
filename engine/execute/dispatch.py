"""What each step kind does on the engine, and what undoes it: one exhaustive ``match`` per direction.

``run_step`` performs a step; ``undo_step`` returns the compensating action for a completed step, or None when the
step needs no undo (ensuring a network) or cannot be undone (removing an old container: the rollouts only do that
once its replacement is healthy, so a failure after it is repaired by re-applying the previous release instead).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import assert_never

from engine import labels as L
from engine.desire.secrets import secret_values
from engine.errors import NotFoundError, ProxyError, StepFailure
from engine.execute.canary import watch_window
from engine.execute.drain import drain_connections
from engine.execute.health import wait_healthy
from engine.observe.types import ContainerState
from engine.plan.steps import (
    BuildImage,
    CreateContainer,
    DisconnectAlias,
    EnsureNetwork,
    EnsureVolume,
    Pause,
    ProxyAddServer,
    ProxyRemoveServer,
    PullImage,
    RemoveContainer,
    RemoveNetwork,
    RemoveVolume,
    RenameContainer,
    StartContainer,
    Step,
    StopContainer,
    UpdateContainer,
    WaitCompleted,
    WaitHealthy,
)
from engine.ports import Clock, DockerGateway, ProxyApi
from engine.proxy.config import ADMIN_PORT
from engine.spec.readfile import FileReadError, read_text_limited

PROXY_READY_S = 30.0  # a just-started proxy needs a moment before its runtime API answers




def proxy_api(gateway: DockerGateway, proxy: str) -> ProxyApi:
    """The runtime API of the proxy container ``proxy``, through its admin port published on 127.0.0.1."""
    return gateway.proxy_runtime("127.0.0.1", gateway.published_port(proxy, ADMIN_PORT))


@dataclass(frozen=True)
class StepContext:
    gateway: DockerGateway
    clock: Clock
    dockerfiles: Mapping[str, str]          # build tag → Dockerfile text (rendered, or the user's own)
    environ: Mapping[str, str] | None = None  # where secret values are read (the process environment by default)
    resolved: dict[str, str] = field(default_factory=dict)  # image reference → ID, for each one built or pulled


def run_step(step: Step, ctx: StepContext) -> None:
    gw = ctx.gateway
    match step:
        case EnsureNetwork(name=name, labels=labels):
            gw.ensure_network(name, labels)
        case EnsureVolume(name=name, labels=labels):
            gw.ensure_volume(name, labels)
        case BuildImage():
            _build(step, ctx)
        case PullImage(reference=ref):
            ctx.resolved[ref] = gw.pull_image(ref)
        case CreateContainer(spec=spec):
            values = secret_values(step.service, spec.secret_sources, ctx.environ)
            gw.create_container(dataclasses.replace(spec, secret_env=values))
        case StartContainer(container=c):
            gw.start(c)
        case WaitHealthy(container=c, deadline_s=deadline):
            result = wait_healthy(gw, c, deadline, ctx.clock)
            if not result.ok:
                raise StepFailure(result.reason, container=c)
        case WaitCompleted(container=c, deadline_s=deadline):
            _wait_completed(gw, c, deadline, ctx.clock)
        case UpdateContainer(container=c):
            gw.update_resources(c, step.nano_cpus, step.mem_limit, step.mem_reservation, step.restart)
        case StopContainer(container=c, timeout_s=timeout):
            gw.stop(c, timeout)
        case RemoveContainer(container=c):
            gw.remove(c)
        case RenameContainer(container=c, new_name=new):
            gw.rename(c, new)
        case DisconnectAlias(container=c, network=net, drain_s=drain):
            gw.leave_alias(c, net, keep_aliases=())
            drain_connections(gw, c, drain, ctx.clock)
        case Pause():
            watch_canary(step, gw, ctx.clock)
        case ProxyAddServer():
            proxy_add(step, gw, ctx.clock)
        case ProxyRemoveServer():
            proxy_remove(step, gw, ctx.clock)
        case RemoveNetwork(name=name):
            gw.remove_network(name)
        case RemoveVolume(name=name):
            gw.remove_volume(name)
        case _:
            assert_never(step)


def undo_step(step: Step, gateway: DockerGateway, clock: Clock) -> Callable[[], None] | None:
    """The action that reverses a completed ``step``, or None (see the module docstring)."""
    match step:
        case CreateContainer(spec=spec):
            return lambda: gateway.remove(spec.name)
        case StopContainer(container=c):
            return lambda: gateway.start(c)
        case RenameContainer(container=c, new_name=new):
            return lambda: gateway.rename(new, c)
        case DisconnectAlias(container=c, network=net, alias=alias):
            return lambda: gateway.leave_alias(c, net, keep_aliases=(alias,))
        case ProxyAddServer(proxy=proxy, backend=backend, server=server):
            # drained like any leaving replica: requests it took since the join finish (an undo cut them: 502s)
            remove = ProxyRemoveServer(
                id=f"undo:{step.id}", service=step.service, cause="undo", proxy=proxy, backend=backend, server=server,
                drain_s=step.drain_s,
            )
            return lambda: proxy_remove(remove, gateway, clock)
        case ProxyRemoveServer(container=container) if container:
            add = ProxyAddServer(
                id=f"undo:{step.id}", service=step.service, cause="undo", proxy=step.proxy, backend=step.backend,
                server=step.server, container=container, network=step.network, port=step.port, deadline_s=30.0,
            )
            return lambda: proxy_add(add, gateway, clock)
        case ProxyRemoveServer():
            return None
        case (
            EnsureNetwork() | EnsureVolume() | BuildImage() | PullImage() | StartContainer() | WaitHealthy()
            | WaitCompleted() | UpdateContainer() | RemoveContainer() | Pause() | RemoveNetwork() | RemoveVolume()
        ):
            # Start/wait of a new container are undone by removing it; an update is re-planned on the next apply.
            return None
        case _:
            assert_never(step)


def _build(step: BuildImage, ctx: StepContext) -> None:
    text = ctx.dockerfiles.get(step.tag)
    if text is None:
        if step.dockerfile is None:
            raise StepFailure(f"no Dockerfile was rendered for {step.tag}")
        try:
            text = read_text_limited(Path(step.context) / step.dockerfile, 1024 * 1024)
        except FileReadError as exc:
            raise StepFailure(f"the Dockerfile {Path(step.context) / step.dockerfile} {exc.reason}") from None
    labels = {L.MANAGED: "true", L.BUILD_DIGEST: step.digest}
    image_id = ctx.gateway.build_image(
        Path(step.context), text, step.tag, labels, target=step.target, args=step.args, exclude=step.exclude
    )
    ctx.resolved[step.tag] = image_id
    for tag in step.extra_tags:
        ctx.gateway.tag_image(image_id, tag)


def _wait_completed(gw: DockerGateway, container: str, deadline_s: float, clock: Clock) -> None:
    start = clock.monotonic()
    while True:
        state, _health, code = gw.inspect_health(container)
        if state in (ContainerState.EXITED, ContainerState.DEAD):
            if code == 0:
                return
            raise StepFailure(f"{container} exited with code {code}; dependents need it to complete", container)
        if clock.monotonic() - start >= deadline_s:
            raise StepFailure(f"{container} did not complete within {deadline_s:g}s", container)
        clock.sleep(0.5)


def proxy_add(step: ProxyAddServer, gw: DockerGateway, clock: Clock) -> None:
    """Add the replica with HAProxy's check on, wait until the check passed, then put it in rotation: it takes
    traffic only once the proxy itself saw it healthy. An existing server of that name at another address (a
    leftover) is replaced; one at the same address is only set ready. Then the members file follows."""
    from engine.execute.proxy_persist import Joined, persist_members

    api = proxy_api(gw, step.proxy)
    api.wait_ready(PROXY_READY_S)
    ip = gw.container_ip(step.container, step.network)
    address = f"{ip}:{step.port}"
    present = {s.name: s.addr for s in api.servers(step.backend)}
    if step.server in present and present[step.server] != address:
        _delete(gw, api, step.proxy, step.backend, step.server, clock)
        del present[step.server]
    if step.server not in present:
        api.add_server(step.backend, step.server, ip, step.port, check=True, ready=False)
    if not api.wait_checked(step.backend, step.server, step.deadline_s, clock.sleep, clock.monotonic):
        _delete(gw, api, step.proxy, step.backend, step.server, clock)
        raise StepFailure(
            f"the proxy's check of {step.container} ({address}) did not pass within {step.deadline_s:g}s",
            container=step.container,
        )
    api.ready(step.backend, step.server)
    joined = Joined(step.backend, step.server, gw.dns_name(step.container, step.network))
    persist_members(gw, api, step.proxy, joined)


def proxy_remove(step: ProxyRemoveServer, gw: DockerGateway, clock: Clock) -> None:
    """Drain and delete the server. A proxy that does not run sends nothing anywhere, so there is nothing to drain
    (a recreated proxy starts with empty backends)."""
    from engine.execute.proxy_persist import not_deletable, persist_members, reload_without

    try:
        state, _health, _code = gw.inspect_health(step.proxy)
    except NotFoundError:
        return
    if state is not ContainerState.RUNNING:
        return
    api = proxy_api(gw, step.proxy)
    api.wait_ready(PROXY_READY_S)
    try:
        api.retire(step.backend, step.server, step.drain_s, clock.sleep)
    except ProxyError as exc:
        if not not_deletable(exc):
            raise
        reload_without(gw, api, step.proxy, step.backend, step.server, clock)
    persist_members(gw, api, step.proxy)


def _delete(gw: DockerGateway, api: ProxyApi, proxy: str, backend: str, server: str, clock: Clock) -> None:
    """``del server``, or for a server the members file gave HAProxy, a reload without it."""
    from engine.execute.proxy_persist import not_deletable, reload_without

    try:
        api.del_server(backend, server)
    except ProxyError as exc:
        if not not_deletable(exc):
            raise
        reload_without(gw, api, proxy, backend, server, clock)


def watch_canary(step: Pause, gw: DockerGateway, clock: Clock) -> None:
    """The canary's window (``engine.execute.canary``); without the proxy there is nothing to count: sleep."""
    if not step.watch or not step.proxy:
        clock.sleep(step.seconds)
        return
    watch_window(step, proxy_api(gw, step.proxy), clock)
