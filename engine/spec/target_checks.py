"""Checks that depend on where the spec deploys: what a Swarm target cannot do, refused before any plan.

A single engine runs everything the format can say. A Swarm runs services on several nodes, so anything tied to
one machine (a build context, a bind-mounted host path, a named volume on a node nobody chose, a loopback host
address) cannot mean the same thing there; each is refused here with the spec path and a way out. Checks that
need the cluster itself (how many nodes are eligible, for the start-first + host-port deadlock) run at plan time
in ``engine.swarm``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from engine.errors import Diagnostic
from engine.spec.model import AppSpec, ServiceSpec, StrategyType, TargetType
from engine.spec.source import SourceMap

PIN = re.compile(r"^node\.(hostname|id) *== *[^ ]+$")
LOOPBACK_DEFAULT = "127.0.0.1"


def pins_one_node(svc: ServiceSpec) -> bool:
    """True when a constraint names exactly one node (by hostname or ID), so its named volumes stay put."""
    return any(PIN.match(c) for c in svc.placement.constraints)


def target_problems(spec: AppSpec, source: SourceMap) -> list[Diagnostic]:
    if spec.target.type is not TargetType.SWARM:
        return []
    return [d for name, svc in sorted(spec.services.items()) for d in _swarm_service(name, svc, source)]


def _swarm_service(name: str, svc: ServiceSpec, source: SourceMap) -> Iterator[Diagnostic]:
    at = ("services", name)
    if svc.build is not None:
        yield source.diagnostic(
            (*at, "build"),
            "a Swarm target cannot build: every node runs the image it has or can pull, and nothing moves images",
            "build and push the image to a registry every node can reach (or load it onto each node), then name "
            "it in `image:`",
            key=True,
        )
    for i, mount in enumerate(svc.volumes):
        if mount.source is not None:
            yield source.diagnostic(
                (*at, "volumes", i, "source"),
                "a bind mount names a path on whichever node runs the task",
                "ship the content as `files:` (a Swarm config), or use a named volume with a pinning constraint",
            )
        elif mount.name is not None and not pins_one_node(svc):
            yield source.diagnostic(
                (*at, "volumes", i, "name"),
                f"named volume {mount.name!r} would be created empty on whichever node the task lands on",
                f"pin the service to one node: `placement: {{constraints: [node.hostname==NODE]}}` on {name}",
            )
    kind = svc.effective_strategy().type
    if kind in (StrategyType.BLUE_GREEN, StrategyType.CANARY):
        yield source.diagnostic(
            (*at, "strategy", "type"),
            f"strategy {kind.value} is not available on a Swarm target yet",
            "use `type: rolling` (Swarm's own update, start-first when max_surge > 0) or `recreate`",
        )
    for i, port in enumerate(svc.ports):
        if port.host is not None and "host_ip" in port.model_fields_set and port.host_ip != "0.0.0.0":
            yield source.diagnostic(
                (*at, "ports", i, "host_ip"),
                "a Swarm publishes a port on every address of the node that runs the task",
                "remove `host_ip` (or write 0.0.0.0), and choose the nodes with `placement`",
            )
