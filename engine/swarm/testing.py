"""A fake Swarm manager for the transaction's tests: services, tasks, secrets and configs in memory, with scripted
failures, and a fake clock whose ``sleep`` moves time on (so deadlines are tested in milliseconds).

It answers like the engine where the transaction looks: an update of a service named in ``fail_updates`` ends in
``rollback_completed`` with the old tasks kept (``failure_action: rollback``); a service named in ``never_ready``
never gets a running task; ``rollback_service`` puts the previous task hash back. ``calls`` records every write.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import labels as L
from engine.swarm.desired import TASK_HASH
from engine.swarm.observe import service_key
from engine.swarm.state import SwarmNode, SwarmObserved, SwarmObservedObject, SwarmObservedService, SwarmTask


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class _Service:
    id: str
    body: dict[str, Any]
    version: int = 1
    update_state: str = ""
    task_hash: str = ""
    previous_hash: str = ""
    previous_body: dict[str, Any] | None = None


@dataclass
class FakeSwarm:
    fail_updates: set[str] = field(default_factory=set)
    never_ready: set[str] = field(default_factory=set)
    services: dict[str, _Service] = field(default_factory=dict)
    secrets: dict[str, SwarmObservedObject] = field(default_factory=dict)
    configs: dict[str, SwarmObservedObject] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _id(self, kind: str) -> str:
        return f"{kind}{next(self._ids)}"

    def nodes(self) -> tuple[SwarmNode, ...]:
        return (SwarmNode("node1", "n1", role="manager"), SwarmNode("node2", "n2"), SwarmNode("node3", "n3"))

    def ensure_network(self, name: str, labels: Mapping[str, str]) -> str:
        return "net1"

    def ensure_secret(self, name: str, value: str, labels: Mapping[str, str]) -> str:
        if name not in self.secrets:
            self.calls.append(f"create secret {name}")
            self.secrets[name] = SwarmObservedObject(self._id("secret"), name, dict(labels))
        return self.secrets[name].id

    def ensure_config(self, name: str, content: str, labels: Mapping[str, str]) -> str:
        if name not in self.configs:
            self.calls.append(f"create config {name}")
            self.configs[name] = SwarmObservedObject(self._id("config"), name, dict(labels))
        return self.configs[name].id

    def _name(self, body: Mapping[str, Any]) -> str:
        return str(body["Labels"].get(L.SERVICE, body["Name"]))

    def create_service(self, body: Mapping[str, Any]) -> str:
        name = self._name(body)
        self.calls.append(f"create {name}")
        svc = _Service(self._id("svc"), dict(body), task_hash=str(body["Labels"][TASK_HASH]))
        self.services[svc.id] = svc
        return svc.id

    def update_service(self, service_id: str, version: int, body: Mapping[str, Any]) -> None:
        svc = self.services[service_id]
        name = self._name(body)
        self.calls.append(f"update {name}")
        assert version == svc.version, "updates carry the version they read"
        svc.previous_hash, svc.previous_body = svc.task_hash, svc.body
        svc.body, svc.version = dict(body), svc.version + 1
        if name in self.fail_updates:
            svc.update_state = "rollback_completed"  # the engine's failure_action: rollback, done by itself
            svc.body = svc.previous_body
        else:
            svc.update_state, svc.task_hash = "completed", str(body["Labels"][TASK_HASH])

    def rollback_service(self, service_id: str) -> None:
        svc = self.services[service_id]
        self.calls.append(f"rollback {self._name(svc.body)}")
        svc.task_hash, svc.body = svc.previous_hash, svc.previous_body or svc.body
        svc.update_state, svc.version = "rollback_completed", svc.version + 1

    def remove_service(self, service_id: str) -> None:
        svc = self.services.pop(service_id, None)
        if svc is not None:
            self.calls.append(f"remove {self._name(svc.body)}")

    def remove_secret(self, secret_id: str) -> None:
        for name, obj in list(self.secrets.items()):
            if obj.id == secret_id:
                self.calls.append(f"remove secret {name}")
                del self.secrets[name]

    def remove_config(self, config_id: str) -> None:
        for name, obj in list(self.configs.items()):
            if obj.id == config_id:
                self.calls.append(f"remove config {name}")
                del self.configs[name]

    def _observed(self, svc: _Service) -> SwarmObservedService:
        refs = set()
        for body in (svc.body, svc.previous_body or {}):
            container = body.get("TaskTemplate", {}).get("ContainerSpec", {})
            refs |= {r["SecretName"] for r in container.get("Secrets", [])}
            refs |= {r["ConfigName"] for r in container.get("Configs", [])}
        replicated = svc.body["Mode"].get("Replicated")
        return SwarmObservedService(svc.id, svc.body["Name"], svc.version, dict(svc.body["Labels"]),
                                    replicated["Replicas"] if replicated else None, svc.update_state, "",
                                    svc.previous_body is not None, frozenset(refs), svc.body)

    def service(self, service_id: str) -> SwarmObservedService:
        return self._observed(self.services[service_id])

    def tasks(self, service_id: str) -> list[tuple[SwarmTask, str]]:
        svc = self.services[service_id]
        if self._name(svc.body) in self.never_ready:
            return [(SwarmTask("t-" + service_id, service_id, 1, "node3", "running", "starting"), svc.task_hash)]
        replicated = svc.body["Mode"].get("Replicated", {"Replicas": 1})
        return [(SwarmTask(f"t-{service_id}-{i}", service_id, i, "node1", "running", "running"), svc.task_hash)
                for i in range(1, replicated["Replicas"] + 1)]

    def observe(self, app: str) -> SwarmObserved:
        services = {service_key(o): o for o in (self._observed(s) for s in self.services.values())}
        return SwarmObserved("cluster1", self.nodes(), services, secrets=tuple(self.secrets.values()),
                             configs=tuple(self.configs.values()))
