"""The proxy's share of the desired state: its frontends, its container and its admin network.

Called from ``engine.desire.build.build_desired``: the proxy is one more desired service, but
how it is wired (two networks, the runtime API bound to the admin one, the rendered HAProxy config as a file) is
its own concern. ``engine.proxy.config`` imports Jinja, so it is imported only when a spec publishes a port.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from engine import labels as L
from engine.desire import container as C
from engine.desire.config import config_document, config_hash
from engine.desire.hashing import canonical_json
from engine.desire.naming import admin_network_name
from engine.desire.types import (
    ADMIN_ALIAS,
    PROXY_SERVICE,
    ContainerSpec,
    DesiredService,
    FileMount,
    PortBinding,
    Strategy,
)
from engine.spec.model import AppSpec, StrategyType
from engine.spec.validate import ValidSpec

if TYPE_CHECKING:
    from engine.proxy.config import ProxyFrontend


def proxy_frontends(valid: ValidSpec) -> dict[str, list[tuple[ProxyFrontend, PortBinding]]]:
    """service → its published TCP ports as proxy frontends (``<service>-<host port>``), with the binding each
    replaces. HTTP mode when the service has an HTTP health check or an ``expose`` route, else TCP."""
    return spec_frontends(valid.spec)


def spec_frontends(spec: AppSpec) -> dict[str, list[tuple[ProxyFrontend, PortBinding]]]:
    """:func:`proxy_frontends` of a spec alone (the Compose renderer has no validated file, only the spec)."""
    from engine.proxy.config import ProxyFrontend

    out: dict[str, list[tuple[ProxyFrontend, PortBinding]]] = {}
    hosts = {p.host for s in spec.services.values() for p in s.ports if p.host is not None}
    bound: set[int] = set()
    names: set[str] = set()
    for name in sorted(spec.services):
        svc = spec.services[name]
        http = svc.health.http if svc.health is not None else None
        for binding in C.ports(svc):
            if binding.host is None or binding.protocol != "tcp":
                continue
            mode = "http" if http is not None or svc.expose is not None else "tcp"
            # No HTTP check path in the proxy's config: the health gate is shipspec's (Docker's check), and a
            # changed health path must not recreate the proxy. HAProxy's own check is a TCP connect (L4), which
            # still takes a replica that stops listening out of rotation between two applies.
            # One host port on two addresses (127.0.0.1:8080 and 127.0.0.2:8080) is a valid layout: the second
            # gets a bind port of its own inside the proxy, and a frontend name of its own.
            bind = binding.host if binding.host not in bound else _spare_port(bound | hosts)
            bound.add(bind)
            label = f"{name}-{binding.host}"
            label = label if label not in names else f"{label}-{bind}"
            names.add(label)
            fe = ProxyFrontend(label, bind, binding.container, mode)
            out.setdefault(name, []).append((fe, binding))
    return out


def _spare_port(taken: set[int]) -> int:
    """The lowest port from 20000 that no frontend binds, no spec host port names and is not the admin port."""
    from engine.proxy.config import ADMIN_PORT

    return next(p for p in range(20000, 65536) if p not in taken and p != ADMIN_PORT)


def proxy_service(
    app: str,
    base: Mapping[str, str],
    fronted: Sequence[tuple[ProxyFrontend, PortBinding]],
    image_ref: str,
    image_id: str | None,
    revision: int,
) -> DesiredService:
    """The proxy: one replica of HAProxy publishing every fronted port on the spec's ``host_ip:host`` and its
    runtime API (admin port) on 127.0.0.1 at a port Docker picks. Recreated when its config changes (the
    frontends are in its file, hence in its hash); backends start empty and shipspec fills them, writing each
    change to the members file too (``engine.proxy.members``), so a restarted proxy serves without shipspec. It
    sits on two networks: created on its admin network (runtime API and published ports), then joined to the app
    network."""
    from engine.proxy.config import ADMIN_PORT, CONFIG_PATH, empty_backends, proxy_argv, render_proxy_config
    from engine.proxy.members import MEMBERS_PATH, render_members

    frontends = [fe for fe, _ in fronted]
    config = _admin_on_own_network(render_proxy_config(frontends, separate_backends=True), ADMIN_PORT)
    members = FileMount(MEMBERS_PATH, render_members(empty_backends(frontends)), live=True)
    ports = (
        *(PortBinding(fe.bind_port, "tcp", b.host, b.host_ip) for fe, b in fronted),
        PortBinding(ADMIN_PORT, "tcp", 0, "127.0.0.1"),
    )
    bare = ContainerSpec(
        name="",
        image=image_id or image_ref,
        labels={},
        config_hash="",
        command=proxy_argv(CONFIG_PATH, MEMBERS_PATH),
        files=(FileMount(CONFIG_PATH, config), members),
        ports=ports,
        restart="unless-stopped",
        user=None,  # the image's own unprivileged user (haproxy)
        network=admin_network_name(app),  # created on it: ports are published there (see admin_network_name)
        aliases=(ADMIN_ALIAS,),
        extra_networks=(app,),  # where the replicas are
        stop_timeout_s=10,
    )
    docs = [
        config_document(bare, image_ref=image_ref, build_digest=None, secret_digests={}, user_labels={}, short=short)
        for short in (False, True)
    ]
    chash, summary = config_hash(docs[0]), canonical_json(docs[1])
    labels = {
        **base,
        L.SERVICE: PROXY_SERVICE,
        L.REVISION: str(revision),
        L.CONFIG_HASH: chash,
        L.CONFIG: summary,
        L.IMAGE_REF: image_ref,
        L.TRACK: "stable",
    }
    return DesiredService(
        name=PROXY_SERVICE,
        replicas=1,
        depends_on={},
        strategy=Strategy(type=StrategyType.RECREATE, health_deadline_s=60.0),
        template=dataclasses.replace(bare, labels=labels, config_hash=chash),
        image_ref=image_ref,
        image_id=image_id,
        build=None,
        summary=summary,
        document=docs[0],
    )


def _admin_on_own_network(config: str, admin_port: int) -> str:
    """Bind the runtime API to the proxy's address on its admin network only. HAProxy resolves ``ADMIN_ALIAS`` at
    start through Docker's DNS; the alias exists on the admin network alone, so the listener takes that address,
    and replicas (on the app network, which cannot even resolve the alias) get "connection refused" on the admin
    port. The host reaches it through the port published on 127.0.0.1."""
    line = f"stats socket ipv4@0.0.0.0:{admin_port} level admin"
    if config.count(line) != 1:
        raise ValueError("the proxy config template no longer has the expected `stats socket` line")
    return config.replace(line, f"stats socket ipv4@{ADMIN_ALIAS}:{admin_port} level admin")
