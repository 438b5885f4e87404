"""Per-resource summaries of a plan: the ``+ ~ -`` lines people read (steps are for the executor).

Resources are the app's network, its named volumes, its services (one line each, however many replicas) and
containers of services the spec no longer names (one line each, because each is destroyed). Counts follow
Terraform: ``Plan: 1 to add, 1 to change, 1 to destroy.``
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.desire.types import DesiredService, Strategy
from engine.plan.diff import ChangeKind, ServiceChange
from engine.spec.model import StrategyType


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-"}[self.value]


@dataclass(frozen=True, slots=True)
class ResourceChange:
    action: Action
    kind: str  # "network" | "volume" | "service" | "container"
    name: str
    headline: str
    causes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Counts:
    add: int
    change: int
    destroy: int

    def sentence(self) -> str:
        return f"Plan: {self.add} to add, {self.change} to change, {self.destroy} to destroy."


def count(changes: tuple[ResourceChange, ...]) -> Counts:
    return Counts(
        add=sum(c.action is Action.CREATE for c in changes),
        change=sum(c.action is Action.UPDATE for c in changes),
        destroy=sum(c.action is Action.DELETE for c in changes),
    )


def service_summaries(change: ServiceChange, extra_causes: tuple[str, ...] = ()) -> list[ResourceChange]:
    svc = change.desired
    if svc is None:
        return [
            ResourceChange(Action.DELETE, "container", a.container.name, "; ".join(a.causes)) for a in change.remove
        ]
    match change.kind:
        case ChangeKind.NOOP | ChangeKind.REMOVE:
            return []
        case ChangeKind.CREATE:
            return [ResourceChange(Action.CREATE, "service", svc.name, _replicas(svc.replicas), extra_causes)]
        case ChangeKind.UPDATE:
            scale = _scale_cause(change)
            causes = (*extra_causes, *(c for c in change.causes if c != scale))
            return [ResourceChange(Action.UPDATE, "service", svc.name, _update_headline(change, svc), causes)]


def _replicas(n: int) -> str:
    return f"{n} replica{'s' if n != 1 else ''}"


def _update_headline(change: ServiceChange, svc: DesiredService) -> str:
    scale = _scale_cause(change)
    counts = scale.removeprefix("scale ") if scale else _replicas(svc.replicas)
    if change.replace:
        return f"{svc.strategy.type.value} {counts} ({strategy_details(svc.strategy)})"
    parts = [scale] if scale else []
    if change.update:
        parts.append(f"update {_n(len(change.update))} in place (docker update)")
    if change.start:
        parts.append(f"start {_n(len(change.start))} stopped outside shipspec")
    if change.rename:
        parts.append(f"rename {_n(len(change.rename))}")
    if change.verify:
        parts.append(f"wait for {_n(len(change.verify))} to become healthy")
    missing = [c for c in change.create if not c.scale]
    if missing:
        parts.append(f"create {_n(len(missing))} again")
    extra = [a for a in change.remove if not a.scale]
    if extra:
        parts.append(f"remove {_n(len(extra))}")
    return ", ".join(parts) or counts


def _scale_cause(change: ServiceChange) -> str | None:
    scaled = [c.cause for c in change.create if c.scale] + [a.causes[0] for a in change.remove if a.scale]
    return scaled[0] if scaled else None


def _n(k: int) -> str:
    return f"{k} container{'s' if k != 1 else ''}"


def strategy_details(s: Strategy) -> str:
    match s.type:
        case StrategyType.RECREATE:
            return "stops the old replicas first: downtime"
        case StrategyType.ROLLING:
            return f"max_surge {s.max_surge}, max_unavailable {s.max_unavailable}"
        case StrategyType.BLUE_GREEN:
            return f"full new set first, then switch; drain {_secs(s.drain_s)}"
        case StrategyType.CANARY:
            steps = "/".join(str(p) for p in s.steps)
            judged = f"fails above {s.max_error_rate:.1%} errors of at least {s.min_requests} requests"
            if s.max_latency_s is not None:
                judged += f" or above {s.max_latency_s * 1000:g} ms to answer on average"
            return f"steps {steps}%, pause {_secs(s.pause_s)}, {judged}"


def _secs(value: float) -> str:
    return f"{value:g}s"
