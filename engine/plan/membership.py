"""Proxy membership: which replicas sit behind the proxy, woven into each fronted service's rollout steps.

Pure. Desired membership of a fronted service's backends = every replica that is current, running and healthy at
the end of the plan. The rollouts in ``rollout.py`` know nothing of the proxy; this pass adds to their steps:

- a replica this plan starts joins its backends (``ProxyAddServer``) right after its health gate, and whatever
  waited for that gate (the old replica's retirement, the next batch) waits for the join instead: an old replica
  leaves only once its replacement takes traffic;
- a replica this plan retires leaves its backends (``ProxyRemoveServer``: drain, then delete) before it leaves the
  DNS alias and stops;
- a replica that stays is added when the proxy does not list it (an interrupted apply, a restarted proxy, a proxy
  this plan creates or starts: HAProxy keeps run-time servers in memory only), and servers whose replica is gone
  are removed (stale members).

Server names are ``<service>-<slot>-r<revision>``, not container names: a replacement starts as
``<app>-<svc>-<slot>-next`` and is renamed later, while HAProxy cannot rename a server, so the next rollout's
``-next`` would collide with the old server name. The revision label never changes for a container.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from engine import labels as L
from engine.desire.naming import server_name, slot_of
from engine.desire.types import PROXY_SERVICE, DesiredService, DesiredState
from engine.observe.types import ContainerState, Health, ObservedContainer, ObservedState
from engine.plan.diff import ServiceChange
from engine.plan.steps import (
    CreateContainer,
    DisconnectAlias,
    Pause,
    ProxyAddServer,
    ProxyRemoveServer,
    RenameContainer,
    StartContainer,
    Step,
    StopContainer,
    WaitHealthy,
)
from engine.plan.summary import Action, ResourceChange

Ids = tuple[str, ...]


def weave_membership(
    desired: DesiredState,
    observed: ObservedState,
    changes: Sequence[ServiceChange],
    by_service: dict[str, list[Step]],
) -> list[ResourceChange]:
    """Add the proxy steps to ``by_service`` (in place); returns summaries for services whose only change is
    their membership."""
    proxy_svc = desired.services.get(PROXY_SERVICE)
    if proxy_svc is None:
        return []
    proxy = proxy_svc.container(1).name
    proxy_steps = by_service.get(PROXY_SERVICE, [])
    started: Ids = tuple(s.id for s in proxy_steps if isinstance(s, StartContainer))
    fresh = bool(started)  # a proxy this plan (re)starts holds no servers: HAProxy keeps them in memory only
    members = {} if fresh else observed.proxy_members
    fixed = {p.host for p in proxy_svc.template.ports if p.host}
    holders = frozenset(
        c.name
        for c in observed.containers
        if c.service != PROXY_SERVICE and any(p.host in fixed for p in c.ports if p.host)
    )
    out: list[ResourceChange] = []
    for change in changes:
        svc = change.desired
        if svc is None or not svc.backends:
            continue
        steps = by_service.get(svc.name, [])
        woven, added, removed = _weave(svc, change, steps, proxy, started, members, desired.network.name, holders)
        woven = _watch_canaries(woven, proxy)
        by_service[svc.name] = woven
        if (added or removed) and not any(_own(s) for s in steps) and not fresh:
            parts = [f"add {added} to the proxy"] if added else []
            parts += [f"remove {removed} from the proxy"] if removed else []
            out.append(
                ResourceChange(
                    Action.UPDATE,
                    "service",
                    svc.name,
                    "membership: " + ", ".join(parts),
                    ("the proxy's backends differ from the running replicas",),
                )
            )
    if holders:
        _after_holders_stop(by_service, holders)
    return out


def proxy_outage(svc: DesiredService) -> str:
    """What recreating the proxy (its frontends changed: a published port added, moved or removed) costs, for the
    plan. Docker cannot publish a new port on a running container, so a port change needs a new proxy container,
    and a single host port cannot be held by two containers: the old one stops before the new one binds. No
    request is lost inside HAProxy (soft stop: the old one finishes what it has), but new connections are refused
    from that stop until the first replica joined the new proxy."""
    ports = ", ".join(str(p.host) for p in svc.template.ports if p.host)
    stop = svc.template.stop_timeout_s or 10
    gate = svc.strategy.health_deadline_s
    return (
        f"outage on port(s) {ports}: new connections are refused from the old proxy's stop (soft stop, at most "
        f"{stop}s) until the new proxy runs and a first replica joined it (HAProxy's check passes twice, 1s apart): "
        f"about 3-6 s here, at most {stop + gate:g} s; a port change needs a new container"
    )


def _after_holders_stop(by_service: dict[str, list[Step]], holders: frozenset[str]) -> None:
    """Turning the proxy on for an app deployed without it: old replicas still bind the host ports the proxy is
    about to publish. The proxy is created once they stopped (they leave without waiting for their replacements to
    join, which need the proxy): the one outage of this migration, from their stop to the first join."""
    stops = tuple(
        s.id for steps in by_service.values() for s in steps if isinstance(s, StopContainer) and s.container in holders
    )
    proxy_steps = by_service.get(PROXY_SERVICE, [])
    by_service[PROXY_SERVICE] = [
        dataclasses.replace(s, after=(*s.after, *stops)) if isinstance(s, CreateContainer) else s for s in proxy_steps
    ]


def _watch_canaries(steps: list[Step], proxy: str) -> list[Step]:
    """Each canary pause watches the servers that joined before it; those that joined since the previous pause
    (``joined``) are judged from their first request."""
    by_id = {s.id: s for s in steps}

    def ancestors(step: Step) -> set[str]:
        seen: set[str] = set()
        todo = list(step.after)
        while todo:
            current = todo.pop()
            if current not in seen and current in by_id:
                seen.add(current)
                todo.extend(by_id[current].after)
        return seen

    def joins(ids: set[str]) -> set[str]:
        return {f"{s.backend}/{s.server}" for i in ids if isinstance(s := by_id[i], ProxyAddServer)}

    out: list[Step] = []
    for step in steps:
        if isinstance(step, Pause):
            seen = ancestors(step)
            earlier = {i for i in seen if isinstance(by_id[i], Pause)}
            before = joins({a for p in earlier for a in ancestors(by_id[p])})
            watch = joins(seen)
            fresh = tuple(sorted(watch - before))
            out.append(dataclasses.replace(step, proxy=proxy, watch=tuple(sorted(watch)), joined=fresh))
        else:
            out.append(step)
    return out


def _own(step: Step) -> bool:
    return not isinstance(step, ProxyAddServer | ProxyRemoveServer)


def _weave(
    svc: DesiredService,
    change: ServiceChange,
    steps: list[Step],
    proxy: str,
    started: Ids,
    members: Mapping[str, tuple[str, ...]],
    network: str,
    holders: frozenset[str] = frozenset(),
) -> tuple[list[Step], int, int]:
    joins, handled, extra = _joins(svc, change, steps, proxy, started, network)
    leaves = _leaves(svc, change, steps, proxy, network, handled, extra, joins, holders)
    rewired: list[Step] = []
    for step in steps:
        out = leaves.get(step.id, step)
        if any(a in joins for a in out.after):
            out = dataclasses.replace(out, after=tuple(j for a in out.after for j in joins.get(a, (a,))))
        if isinstance(out, RenameContainer):  # the join finds the replica by the name it has until the rename
            own = tuple(x.id for x in extra if isinstance(x, ProxyAddServer) and x.container == out.container)
            out = dataclasses.replace(out, after=(*out.after, *(i for i in own if i not in out.after)))
        rewired.append(out)
    added, removed = _steady(svc, change, proxy, started, members, network, handled, extra)
    return [*rewired, *extra], added, removed


def _joins(
    svc: DesiredService, change: ServiceChange, steps: list[Step], proxy: str, started: Ids, network: str
) -> tuple[dict[str, Ids], set[str], list[Step]]:
    """Joins after each gate of a replica that ends up running: new ones, and old ones started or verified here.
    Returns gate id → the join that replaces it for whoever waited on it, the observed names handled, the steps."""
    by_name = {c.name: c for c in change.observed}
    created = {s.spec.name for s in steps if isinstance(s, CreateContainer)}
    waits = {s.container: s.id for s in steps if isinstance(s, WaitHealthy)}
    starts = {s.container: s.id for s in steps if isinstance(s, StartContainer)}
    stopped = {s.container for s in steps if isinstance(s, StopContainer)}
    revision = int(svc.template.labels.get(L.REVISION, "0") or 0)
    joins: dict[str, Ids] = {}
    handled: set[str] = set()
    extra: list[Step] = []
    for name in [*starts, *(w for w in waits if w not in starts)]:
        if name in stopped and name not in created:
            continue  # an old replica this plan retires; a new one may reuse its name (recreate, a leftover -next)
        gate = waits.get(name) or starts[name]
        if name in created:
            server, container = _new_server(svc, name, revision), name
        elif name in by_name:
            c = by_name[name]
            server, container = server_name(svc.name, c.slot, c.revision), c.id
            handled.add(c.name)
        else:
            continue
        chain = _adds(svc, proxy, server, container, network, (gate, *started), "joins the proxy once healthy")
        extra += chain
        joins[gate] = (chain[-1].id,)
    return joins, handled, extra


def _leaves(
    svc: DesiredService,
    change: ServiceChange,
    steps: list[Step],
    proxy: str,
    network: str,
    handled: set[str],
    extra: list[Step],
    joins: Mapping[str, Ids],
    holders: frozenset[str],
) -> dict[str, Step]:
    """Leaves before each retiring replica drains from the alias or stops: id of that first retire step → its
    version that waits for the leave."""
    by_name = {c.name: c for c in change.observed}
    leaves: dict[str, Step] = {}
    for name in [s.container for s in steps if isinstance(s, StopContainer)]:
        old = by_name.get(name)
        if old is None:
            continue
        handled.add(name)
        first = _first_retire_step(steps, name)
        server = server_name(svc.name, old.slot, old.revision)
        # the replacement joined first, unless this replica holds a port the proxy needs (see _after_holders_stop)
        after = first.after if name in holders else tuple(j for a in first.after for j in joins.get(a, (a,)))
        chain = _removes(svc, proxy, server, old, network, after, "leaves the proxy before it stops")
        extra += chain
        leaves[first.id] = dataclasses.replace(first, after=(chain[-1].id,))
    return leaves


def _steady(
    svc: DesiredService,
    change: ServiceChange,
    proxy: str,
    started: Ids,
    members: Mapping[str, tuple[str, ...]],
    network: str,
    handled: set[str],
    extra: list[Step],
) -> tuple[int, int]:
    """Replicas this plan leaves alone are in every backend; servers whose replica is gone are removed."""
    added = removed = 0
    keep = {server_name(svc.name, c.slot, c.revision) for c in change.observed}
    for c in change.observed:
        if c.name in handled or not _serving(c):
            continue
        server = server_name(svc.name, c.slot, c.revision)
        for backend in svc.backends:
            if server not in members.get(backend.name, ()):
                cause = "running replica missing from the proxy"
                extra += _adds(svc, proxy, server, c.id, network, started, cause, only=backend.name)
                added += 1
    for backend in svc.backends:
        for server in members.get(backend.name, ()):
            if server in keep:
                continue
            extra.append(
                ProxyRemoveServer(
                    id=f"proxy-remove:{backend.name}/{server}",
                    service=svc.name,
                    cause="stale proxy member: its replica is gone",
                    proxy=proxy,
                    backend=backend.name,
                    server=server,
                    drain_s=0.0,
                )
            )
            removed += 1
    return added, removed


def _first_retire_step(steps: Sequence[Step], name: str) -> Step:
    """Where a retirement starts: leaving the alias, or the stop when there is no drain (recreate, orphans)."""
    drains = [s for s in steps if isinstance(s, DisconnectAlias) and s.container == name]
    return drains[0] if drains else next(s for s in steps if isinstance(s, StopContainer) and s.container == name)


def _serving(c: ObservedContainer) -> bool:
    return c.state is ContainerState.RUNNING and c.health in (Health.HEALTHY, Health.NONE)


def _new_server(svc: DesiredService, container: str, revision: int) -> str:
    return server_name(svc.name, slot_of(container), revision)


def _adds(
    svc: DesiredService,
    proxy: str,
    server: str,
    container: str,
    network: str,
    after: Ids,
    cause: str,
    only: str | None = None,
) -> list[Step]:
    out: list[Step] = []
    for backend in svc.backends:
        if only is not None and backend.name != only:
            continue
        step = ProxyAddServer(
            id=f"proxy-add:{backend.name}/{server}",
            service=svc.name,
            cause=cause,
            after=(out[-1].id,) if out else after,
            proxy=proxy,
            backend=backend.name,
            server=server,
            container=container,
            network=network,
            port=backend.port,
            deadline_s=svc.strategy.health_deadline_s,
            drain_s=svc.strategy.drain_s,
        )
        out.append(step)
    return out


def _removes(
    svc: DesiredService, proxy: str, server: str, c: ObservedContainer, network: str, after: Ids, cause: str
) -> list[Step]:
    out: list[Step] = []
    for backend in svc.backends:
        out.append(
            ProxyRemoveServer(
                id=f"proxy-remove:{backend.name}/{server}",
                service=svc.name,
                cause=cause,
                after=(out[-1].id,) if out else after,
                proxy=proxy,
                backend=backend.name,
                server=server,
                drain_s=svc.strategy.drain_s,
                container=c.id,
                network=network,
                port=backend.port,
            )
        )
    return out
