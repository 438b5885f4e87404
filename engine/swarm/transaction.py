"""Apply a Swarm plan as one transaction for the whole app.

``docker stack deploy`` updates each service on its own and exits 0 even when one of them rolled back, leaving a
mixed stack (docker/cli#6752; no stack-level rollback, docker/cli#595). Here, services change one at a time in
dependency order and each change is watched to completion (``engine.swarm.watch``); if any fails, every service
this apply changed is put back (an updated one through the engine's ``rollback=previous``, one it created is
removed) in reverse order, and the outcome says so. Removals of services no longer in the spec and pruning of
secrets and configs nothing refers to (neither a service's spec nor its previous spec, kept for rollback) happen
only after every change succeeded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.desire.secrets import read_secret
from engine.swarm.desired import SwarmDesired, SwarmService
from engine.swarm.plan import SwarmAction, SwarmPlan, SwarmStep
from engine.swarm.state import SwarmNode, SwarmObserved, SwarmObservedService, SwarmTask
from engine.swarm.update import NS
from engine.swarm.watch import Want, deadline_seconds, wait, wait_rolled_back

ROLLBACK_DEADLINE_FLOOR_S = 60.0


Listener = Callable[[str], None]  # one progress line (the CLI prints it)


class SwarmOps(Protocol):
    """What the transaction needs from a manager: ``engine.swarm.gateway.SwarmGateway``, or the fake in
    ``engine.swarm.testing``."""

    def nodes(self) -> tuple[SwarmNode, ...]: ...
    def observe(self, app: str) -> SwarmObserved: ...
    def service(self, service_id: str) -> SwarmObservedService: ...
    def tasks(self, service_id: str) -> list[tuple[SwarmTask, str]]: ...
    def ensure_network(self, name: str, labels: Mapping[str, str]) -> str: ...
    def ensure_secret(self, name: str, value: str, labels: Mapping[str, str]) -> str: ...
    def ensure_config(self, name: str, content: str, labels: Mapping[str, str]) -> str: ...
    def create_service(self, body: Mapping[str, Any]) -> str: ...
    def update_service(self, service_id: str, version: int, body: Mapping[str, Any]) -> None: ...
    def rollback_service(self, service_id: str) -> None: ...
    def remove_service(self, service_id: str) -> None: ...
    def remove_secret(self, secret_id: str) -> None: ...
    def remove_config(self, config_id: str) -> None: ...


@dataclass
class SwarmOutcome:
    ok: bool
    error: str = ""
    changed: list[str] = field(default_factory=list)
    rolled_back: bool = False
    rollback_problems: list[str] = field(default_factory=list)


@dataclass
class Transaction:
    gateway: SwarmOps
    desired: SwarmDesired
    plan: SwarmPlan
    say: Listener
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    environ: Mapping[str, str] | None = None
    done: list[tuple[SwarmStep, str]] = field(default_factory=list)  # (step, service ID) changed so far

    def run(self) -> SwarmOutcome:
        self.gateway.ensure_network(self.desired.network, self.desired.labels)
        ids = self._objects()
        changes = [s for s in self.plan.steps if s.action is not SwarmAction.REMOVE]
        for step in changes:
            error = self._change(step, ids)
            if error is not None:
                return self._undo(error)
        for step in self.plan.steps:
            if step.action is SwarmAction.REMOVE:
                self.say(f"- remove service {step.service}")
                self.gateway.remove_service(step.service_id)
        self._prune()
        return SwarmOutcome(ok=True, changed=[s.service for s, _ in self.done])

    def _objects(self) -> dict[str, str]:
        """Create every secret and config the desired services mount (content-addressed, so existing ones stay)."""
        ids: dict[str, str] = {}
        for svc in self.desired.services.values():
            for secret in svc.secrets:
                value = read_secret(svc.name, secret.var, secret.source, self.environ)
                ids[secret.name] = self.gateway.ensure_secret(secret.name, value, secret.labels)
            for config in svc.configs:
                ids[config.name] = self.gateway.ensure_config(config.name, config.content, config.labels)
        return ids

    def _change(self, step: SwarmStep, ids: Mapping[str, str]) -> str | None:
        svc = self.desired.services[step.service]
        body = with_ids(svc.body, ids)
        self.say(f"{'+' if step.action is SwarmAction.CREATE else '~'} {step.action.value} service {step.service}")
        if step.action is SwarmAction.CREATE:
            service_id = self.gateway.create_service(body)
        else:
            current = self.gateway.service(step.service_id)
            self.gateway.update_service(step.service_id, current.version, body)
            service_id = step.service_id
        self.done.append((step, service_id))
        error = wait(self.gateway, want_of(svc, service_id), service_deadline(svc), self.clock, self.sleep,
                     self.gateway.nodes())
        if error is None:
            self.say(f"  {step.service}: converged")
        return error

    def _undo(self, error: str) -> SwarmOutcome:
        self.say(f"! {error}")
        self.say(f"! rolling back {len(self.done)} service(s) this apply changed")
        problems: list[str] = []
        for step, service_id in reversed(self.done):
            try:
                problem = self._undo_one(step, service_id)
            except Exception as exc:  # keep undoing the others; every problem is reported
                problem = f"service {step.service}: {exc}"
            if problem:
                problems.append(problem)
        return SwarmOutcome(ok=False, error=error, changed=[s.service for s, _ in self.done], rolled_back=True,
                            rollback_problems=problems)

    def _undo_one(self, step: SwarmStep, service_id: str) -> str | None:
        svc = self.desired.services[step.service]
        if step.action is SwarmAction.CREATE:
            self.say(f"  remove service {step.service} (created by this apply)")
            self.gateway.remove_service(service_id)
            return None
        state = self.gateway.service(service_id).update_state
        if state not in ("rollback_started", "rollback_completed"):
            self.say(f"  roll back service {step.service} (rollback=previous)")
            self.gateway.rollback_service(service_id)
        else:
            self.say(f"  service {step.service}: the engine is rolling it back already")
        deadline = max(ROLLBACK_DEADLINE_FLOOR_S, service_deadline(svc))
        problem = wait_rolled_back(self.gateway, service_id, step.service, deadline, self.clock, self.sleep)
        if problem is None:
            self.say(f"  {step.service}: back at its previous spec")
        return problem

    def _prune(self) -> None:
        observed = self.gateway.observe(self.desired.app)
        wanted = {o.name for s in self.desired.services.values() for o in s.secrets}
        wanted |= {o.name for s in self.desired.services.values() for o in s.configs}
        kept = wanted | {ref for s in observed.services.values() for ref in s.references}
        for secret in observed.secrets:
            if secret.name not in kept:
                self.say(f"- remove secret {secret.name} (no service or previous spec uses it)")
                self.gateway.remove_secret(secret.id)
        for config in observed.configs:
            if config.name not in kept:
                self.say(f"- remove config {config.name} (no service or previous spec uses it)")
                self.gateway.remove_config(config.id)


def with_ids(body: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    """The body with each secret's and config's ID beside its name (the engine wants both)."""
    out = copy.deepcopy(dict(body))
    container = out["TaskTemplate"]["ContainerSpec"]
    for ref in container.get("Secrets", []):
        ref["SecretID"] = ids[ref["SecretName"]]
    for ref in container.get("Configs", []):
        ref["ConfigID"] = ids[ref["ConfigName"]]
    return out


def want_of(svc: SwarmService, service_id: str) -> Want:
    mode = svc.body["Mode"]
    if "ReplicatedJob" in mode:
        return Want(service_id, svc.name, svc.task_hash, mode["ReplicatedJob"]["TotalCompletions"], job=True)
    replicas = mode["Replicated"]["Replicas"] if "Replicated" in mode else None
    return Want(service_id, svc.name, svc.task_hash, replicas)


def service_deadline(svc: SwarmService) -> float:
    update = svc.body.get("UpdateConfig", {})
    replicas = svc.body["Mode"].get("Replicated", {}).get("Replicas", 1)
    monitor = update.get("Monitor", 5 * NS) / NS
    return deadline_seconds(replicas, update.get("Parallelism", 1), svc.health_deadline_s, monitor)
