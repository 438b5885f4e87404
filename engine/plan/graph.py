"""Dependency order: ``depends_on`` conditions become ``after`` edges, and steps are listed in a topological order.

A service's first steps wait for the gate of each service it depends on, when that service has steps in the same
plan: ``started`` → its StartContainer steps, ``healthy`` → its WaitHealthy steps, ``completed`` → WaitCompleted
steps added here. A dependency without steps in the plan is already running as the spec wants, so nothing waits.
Ordering uses ``graphlib.TopologicalSorter`` (cycles and dangling edges are bugs: PlanError), taking ready steps in
their original order so that the same inputs always list the same plan.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Mapping, Sequence
from graphlib import CycleError, TopologicalSorter

from engine.desire.types import DesiredState
from engine.errors import PlanError
from engine.plan.steps import StartContainer, Step, WaitCompleted, WaitHealthy
from engine.spec.model import Condition


def service_order(desired: DesiredState) -> list[str]:
    """Services, dependencies first (ties by name): the order services are listed and started in."""
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for name in sorted(desired.services):
        sorter.add(name, *sorted(desired.services[name].depends_on))
    try:
        sorter.prepare()
    except CycleError as exc:
        raise PlanError(f"services depend on each other in a cycle: {' → '.join(exc.args[1])}") from None
    out: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        out.extend(ready)
        sorter.done(*ready)
    return out


def link_dependencies(desired: DesiredState, by_service: Mapping[str, list[Step]]) -> dict[str, list[Step]]:
    """``by_service`` with dependency gates added to each service's root steps (and WaitCompleted gates)."""
    out = {name: list(steps) for name, steps in by_service.items()}
    for name in service_order(desired):
        own = out.get(name, [])
        gates: list[str] = []
        for dep, condition in desired.services[name].depends_on.items():
            gates.extend(_gates(desired, dep, condition, out))
        if own and gates:
            out[name] = _after_roots(own, tuple(gates))
    return out


def _gates(desired: DesiredState, dep: str, condition: Condition, out: dict[str, list[Step]]) -> list[str]:
    steps = out.get(dep, [])
    starts = [s for s in steps if isinstance(s, StartContainer)]
    if condition is Condition.HEALTHY:
        waits = [s.id for s in steps if isinstance(s, WaitHealthy)]
        return waits or [s.id for s in starts]
    if condition is Condition.COMPLETED:
        deadline = desired.services[dep].strategy.health_deadline_s
        added = [
            WaitCompleted(
                id=f"completed:{s.container}",
                service=dep,
                cause=f"{dep} must complete first",
                after=(s.id,),
                container=s.container,
                deadline_s=deadline,
            )
            for s in starts
            if not any(x.id == f"completed:{s.container}" for x in steps)
        ]
        out[dep] = [*steps, *added]
        return [s.id for s in out[dep] if isinstance(s, WaitCompleted)]
    return [s.id for s in starts]


def _after_roots(steps: Sequence[Step], gates: tuple[str, ...]) -> list[Step]:
    own = {s.id for s in steps}
    return [s if any(a in own for a in s.after) else dataclasses.replace(s, after=(*s.after, *gates)) for s in steps]


def topological(steps: Sequence[Step]) -> list[Step]:
    """The steps in an order that respects ``after``, stable with respect to the input order."""
    index = {s.id: i for i, s in enumerate(steps)}
    if len(index) != len(steps):
        dupes = sorted({s.id for s in steps if sum(t.id == s.id for t in steps) > 1})
        raise PlanError(f"planner bug: duplicate step ids {dupes}")
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for s in steps:
        missing = [a for a in s.after if a not in index]
        if missing:
            raise PlanError(f"planner bug: step {s.id} waits for unknown steps {missing}")
        sorter.add(s.id, *s.after)
    try:
        sorter.prepare()
    except CycleError as exc:
        raise PlanError(f"planner bug: steps wait for each other in a cycle: {exc.args[1]}") from None
    ordered: list[Step] = []
    ready: list[int] = []
    while sorter.is_active():
        for sid in sorter.get_ready():
            heapq.heappush(ready, index[sid])
        first = heapq.heappop(ready)  # the earliest-listed ready step, so each service's steps stay together
        ordered.append(steps[first])
        sorter.done(steps[first].id)
    return ordered
