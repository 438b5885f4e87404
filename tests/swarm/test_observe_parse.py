"""The engine's Swarm JSON → shipspec's frozen types, on answers captured from the test swarm (Docker 20.10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.swarm.desired import TASK_HASH
from engine.swarm.observe import node_from, service_from, service_key, task_from, task_hash_of

DATA = Path(__file__).parent / "data"


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_a_node_is_known_by_id_hostname_role_and_state() -> None:
    node = node_from(_load("node.json")[0])
    assert (node.hostname, node.role, node.state, node.availability, node.address) == (
        "n1", "manager", "ready", "active", "10.77.0.11")
    assert node.schedulable and len(node.id) == 25


def test_a_service_after_an_update_carries_version_state_and_what_it_mounts() -> None:
    raw = _load("service_web.json")[0]
    svc = service_from(raw)
    assert service_key(svc) == "web"
    assert svc.version == raw["Version"]["Index"] and svc.update_state == "completed"
    assert svc.replicas == 3 and svc.has_previous
    assert svc.labels[TASK_HASH].startswith("sha256:")


def test_tasks_keep_the_task_hash_they_were_created_with() -> None:
    rows = _load("tasks_web.json")
    hashes = {task_hash_of(t) for t in rows}
    assert len(hashes) == 2  # the rolled-out tasks and the ones they replaced
    current = service_from(_load("service_web.json")[0]).labels[TASK_HASH]
    running = [task_from(t) for t in rows if task_hash_of(t) == current]
    assert {t.state for t in running} == {"running"} and len(running) == 3
    assert all(t.node_id and t.container_id for t in running)
