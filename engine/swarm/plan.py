"""Plan against a cluster: desired Swarm services vs what the manager reports, every step with its cause (pure).

A service whose task hash differs rolls its tasks (Swarm's own update, watched by shipspec); one whose spec hash
alone differs changes in place (replicas, update settings: no task restarts). Steps run in dependency order;
removals come last, after every other step succeeded. The plan is fingerprinted on the cluster ID and each
observed service's ID and version (Swarm bumps the version on every change), plus the desired spec hashes, so a
saved plan is refused once anyone changed the app on the cluster.
"""

from __future__ import annotations

import graphlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from engine import labels as L
from engine.desire.hashing import canonical_json, sha256_hex
from engine.errors import PlanError
from engine.swarm.desired import SPEC_HASH as SPEC_HASH_KEY
from engine.swarm.desired import TASK_HASH as TASK_HASH_KEY
from engine.swarm.desired import SwarmDesired, SwarmService
from engine.swarm.placement import placement_problem
from engine.swarm.state import SwarmObserved, SwarmObservedService

HIDDEN = ("secret", "secrets")  # summaries carry digests there; a plan says only that the value changed


class SwarmAction(StrEnum):
    CREATE = "create"
    ROLL = "roll"  # new tasks
    IN_PLACE = "in-place"  # replicas or update settings only
    REMOVE = "remove"


@dataclass(frozen=True)
class SwarmStep:
    action: SwarmAction
    service: str
    causes: tuple[str, ...]
    service_id: str = ""
    version: int = 0


@dataclass(frozen=True)
class SwarmPlan:
    app: str
    env: str
    revision: int
    cluster_id: str
    steps: tuple[SwarmStep, ...]
    fingerprint: str
    order: tuple[str, ...] = field(default=())  # dependency order of the spec's services

    @property
    def has_changes(self) -> bool:
        return bool(self.steps)


def fingerprint(observed: SwarmObserved, desired: SwarmDesired) -> str:
    doc = {
        "cluster": observed.cluster_id,
        "services": {n: [s.id, s.version] for n, s in sorted(observed.services.items())},
        "desired": {n: s.spec_hash for n, s in sorted(desired.services.items())},
    }
    return "sha256:" + sha256_hex(canonical_json(doc))


def dependency_order(desired: SwarmDesired) -> tuple[str, ...]:
    graph = {name: set(svc.depends_on) & set(desired.services) for name, svc in desired.services.items()}
    sorter = graphlib.TopologicalSorter(graph)
    return tuple(sorter.static_order())


def plan_swarm(desired: SwarmDesired, observed: SwarmObserved) -> SwarmPlan:
    problems = [
        p for name, svc in sorted(desired.services.items()) if (p := placement_problem(name, svc.body, observed.nodes))
    ]
    if problems:
        raise PlanError("; ".join(problems))
    order = dependency_order(desired)
    steps = [s for name in order if (s := _step(desired.services[name], observed.services.get(name)))]
    for name, old in sorted(observed.services.items()):
        if name not in desired.services:
            steps.append(SwarmStep(SwarmAction.REMOVE, name, ("not in the spec",), old.id, old.version))
    return SwarmPlan(
        desired.app, desired.env, desired.revision, observed.cluster_id, tuple(steps), fingerprint(observed, desired),
        order,
    )


def _step(svc: SwarmService, old: SwarmObservedService | None) -> SwarmStep | None:
    if old is None:
        return SwarmStep(SwarmAction.CREATE, svc.name, (_shape(svc),))
    if old.labels.get(TASK_HASH_KEY) != svc.task_hash:
        causes = config_changes(old.labels.get(L.CONFIG, "{}"), svc.body["Labels"].get(L.CONFIG, "{}"))
        return SwarmStep(SwarmAction.ROLL, svc.name, (_shape(svc), *(causes or ("task settings changed",))),
                         old.id, old.version)
    if old.labels.get(SPEC_HASH_KEY) != svc.spec_hash:
        return SwarmStep(SwarmAction.IN_PLACE, svc.name, _in_place_causes(svc, old), old.id, old.version)
    return None


def _shape(svc: SwarmService) -> str:
    mode = svc.body["Mode"]
    if "Global" in mode:
        return "global (one task per eligible node)"
    if "ReplicatedJob" in mode:
        return f"job ({mode['ReplicatedJob']['TotalCompletions']} completion(s))"
    update = svc.body.get("UpdateConfig", {})
    n = mode["Replicated"]["Replicas"]
    return f"{n} task{'s' if n != 1 else ''} ({update.get('Order', '?')}, {update.get('Parallelism', '?')} at a time)"


def _in_place_causes(svc: SwarmService, old: SwarmObservedService) -> tuple[str, ...]:
    want = svc.body["Mode"].get("Replicated", {}).get("Replicas")
    causes = []
    if want is not None and old.replicas is not None and want != old.replicas:
        causes.append(f"replicas {old.replicas} → {want}")
    return tuple(causes) or ("update settings changed",)


def config_changes(old_json: str, new_json: str) -> list[str]:
    """Which settings changed, from the two CONFIG summaries (secret and file contents appear as digests)."""
    try:
        old, new = json.loads(old_json), json.loads(new_json)
    except ValueError:
        return []
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    return _walk(old, new, "")


def _walk(old: Mapping[str, object], new: Mapping[str, object], at: str) -> list[str]:
    out: list[str] = []
    for key in sorted(set(old) | set(new)):
        a, b, path = old.get(key), new.get(key), f"{at}{key}"
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += _walk(a, b, path + ".")
        elif key in HIDDEN or at.split(".", maxsplit=1)[0] in HIDDEN:
            out.append(f"{path} (changed, value hidden)")
        else:
            out.append(f"{path} {json.dumps(a)} → {json.dumps(b)}")
    return out


def render_plan(plan: SwarmPlan, services_seen: int, nodes: int) -> str:
    lines = [f'Observed {services_seen} service(s) of "{plan.app}" on a swarm of {nodes} node(s).', ""]
    marks = {SwarmAction.CREATE: "+", SwarmAction.ROLL: "~", SwarmAction.IN_PLACE: "~", SwarmAction.REMOVE: "-"}
    for step in plan.steps:
        head, *rest = step.causes
        lines.append(f"  {marks[step.action]} service  {step.service}  {step.action.value}: {head}")
        lines.extend(f"        {cause}" for cause in rest)
    counts = {a: sum(1 for s in plan.steps if s.action is a) for a in SwarmAction}
    changed = counts[SwarmAction.ROLL] + counts[SwarmAction.IN_PLACE]
    if plan.steps:
        lines.append("")
    lines.append(f"Plan: {counts[SwarmAction.CREATE]} to add, {changed} to change, "
                 f"{counts[SwarmAction.REMOVE]} to destroy.")
    return "\n".join(lines) + "\n"
