"""The engine's Swarm JSON → ``engine.swarm.state`` types, at the adapter boundary (pure, tested with captured data).

An app's objects are found by label (``dev.shipspec.app``), never by name, so two apps on one cluster never see
each other's services, secrets or configs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import labels as L
from engine.swarm.state import SwarmNode, SwarmObservedObject, SwarmObservedService, SwarmTask


def node_from(data: Mapping[str, Any]) -> SwarmNode:
    spec, desc, status = data.get("Spec", {}), data.get("Description", {}), data.get("Status", {})
    platform = desc.get("Platform", {})
    return SwarmNode(
        id=data["ID"],
        hostname=desc.get("Hostname", ""),
        role=spec.get("Role", "worker"),
        availability=spec.get("Availability", "active"),
        state=status.get("State", "unknown"),
        labels=dict(spec.get("Labels") or {}),
        engine_labels=dict(desc.get("Engine", {}).get("Labels") or {}),
        os=platform.get("OS", ""),
        arch=platform.get("Architecture", ""),
        address=status.get("Addr", ""),
    )


def service_from(data: Mapping[str, Any]) -> SwarmObservedService:
    spec = data.get("Spec", {})
    labels = dict(spec.get("Labels") or {})
    mode = spec.get("Mode", {})
    update = data.get("UpdateStatus") or {}
    return SwarmObservedService(
        id=data["ID"],
        name=spec.get("Name", ""),
        version=int(data.get("Version", {}).get("Index", 0)),
        labels=labels,
        replicas=int(mode["Replicated"].get("Replicas", 1)) if "Replicated" in mode else None,
        update_state=str(update.get("State", "")),
        update_message=str(update.get("Message", "")),
        has_previous="PreviousSpec" in data,
        references=frozenset(_references(spec) | _references(data.get("PreviousSpec") or {})),
        spec=spec,
    )


def _references(spec: Mapping[str, Any]) -> set[str]:
    container = spec.get("TaskTemplate", {}).get("ContainerSpec", {})
    secrets = {str(s.get("SecretName")) for s in container.get("Secrets") or []}
    return secrets | {str(c.get("ConfigName")) for c in container.get("Configs") or []}


def task_from(data: Mapping[str, Any], network_id: str = "") -> SwarmTask:
    status = data.get("Status", {})
    address = ""
    for attachment in data.get("NetworksAttachments") or []:
        if attachment.get("Network", {}).get("ID") == network_id and attachment.get("Addresses"):
            address = attachment["Addresses"][0].split("/")[0]
    container = status.get("ContainerStatus", {})
    return SwarmTask(
        id=data["ID"],
        service_id=data.get("ServiceID", ""),
        slot=data.get("Slot"),
        node_id=data.get("NodeID", ""),
        desired_state=data.get("DesiredState", ""),
        state=status.get("State", ""),
        message=status.get("Message", ""),
        error=status.get("Err", ""),
        container_id=container.get("ContainerID", ""),
        address=address,
        created_at=str(data.get("CreatedAt", "")),
    )


def task_hash_of(data: Mapping[str, Any]) -> str:
    """The task hash a task was created with (its container labels), to tell new tasks from old ones."""
    from engine.swarm.desired import TASK_HASH

    labels = data.get("Spec", {}).get("ContainerSpec", {}).get("Labels") or {}
    return str(labels.get(TASK_HASH, ""))


def object_from(data: Mapping[str, Any]) -> SwarmObservedObject:
    spec = data.get("Spec") or {}
    labels = spec.get("Labels") if "Labels" in spec else data.get("Labels")
    return SwarmObservedObject(id=data.get("ID") or data.get("Id", ""), name=spec.get("Name") or data["Name"],
                               labels=dict(labels or {}))


def service_key(service: SwarmObservedService) -> str:
    """The spec's service name this Swarm service belongs to."""
    return service.labels.get(L.SERVICE, service.name)
