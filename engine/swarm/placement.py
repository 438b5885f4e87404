"""Placement against the observed nodes: which nodes may run a service, and the updates Swarm could never finish.

Swarm accepts a service it cannot place and leaves tasks pending forever. Two such cases are refused at plan time:
more tasks publishing a host-mode port than there are eligible nodes (each node can bind the port once), and a
start-first update of such a service when every eligible node already runs one of its tasks (the new task waits
for a free port that only the old task's stop would free, and the old task stops only after the new one runs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from engine.swarm.state import SwarmNode

_CONSTRAINT = re.compile(r"^(?P<key>[A-Za-z0-9_.-]+) *(?P<op>==|!=) *(?P<value>[^ ]+)$")


def _attribute(node: SwarmNode, key: str) -> str | None:
    fixed = {
        "node.id": node.id,
        "node.hostname": node.hostname,
        "node.role": node.role,
        "node.platform.os": node.os,
        "node.platform.arch": node.arch,
    }
    if key in fixed:
        return fixed[key]
    for prefix, labels in (("node.labels.", node.labels), ("engine.labels.", node.engine_labels)):
        if key.startswith(prefix):
            return labels.get(key[len(prefix) :])
    return None


def satisfies(node: SwarmNode, constraints: Sequence[str]) -> bool:
    """Every constraint holds (Swarm's semantics: a missing label is unequal to any value)."""
    for text in constraints:
        match = _CONSTRAINT.match(text)
        if match is None:
            return False
        value = _attribute(node, match["key"])
        equal = value is not None and value.lower() == match["value"].lower()
        if equal != (match["op"] == "=="):
            return False
    return True


def eligible(nodes: Sequence[SwarmNode], constraints: Sequence[str]) -> list[SwarmNode]:
    return [n for n in nodes if n.schedulable and satisfies(n, constraints)]


def host_ports(body: Mapping[str, Any]) -> list[int]:
    ports = body.get("EndpointSpec", {}).get("Ports", [])
    return [p["PublishedPort"] for p in ports if p.get("PublishMode") == "host" and p.get("PublishedPort")]


def placement_problem(service: str, body: Mapping[str, Any], nodes: Sequence[SwarmNode]) -> str | None:
    """Why Swarm could never place or update this service on these nodes, or None."""
    ports = host_ports(body)
    replicated = body.get("Mode", {}).get("Replicated")
    if not ports or replicated is None:
        return None
    replicas = int(replicated.get("Replicas", 1))
    room = len(eligible(nodes, body["TaskTemplate"].get("Placement", {}).get("Constraints", [])))
    listed = ", ".join(str(p) for p in ports)
    if replicas > room:
        return (
            f"service {service}: {replicas} tasks publish host port {listed} but only {room} node(s) are "
            f"eligible, and each node can bind it once; use fewer replicas, or let the proxy publish the port"
        )
    if body.get("UpdateConfig", {}).get("Order") == "start-first" and replicas == room:
        return (
            f"service {service}: a start-first update with host port {listed} on all {room} eligible node(s) "
            f"would never finish (the new task waits for the port the old one holds); set strategy.max_surge: 0 "
            f"(stop-first), run fewer replicas than eligible nodes, or let the proxy publish the port"
        )
    return None
