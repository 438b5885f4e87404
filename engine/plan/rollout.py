"""Strategies as pure functions: a ServiceChange → ordered steps (ids, causes, ``after`` edges).

A replacement is always "new container up before old one gone" except under ``recreate`` and the ``max_unavailable``
share of a rolling batch. New replicas of an occupied slot start under a temporary name (``<app>-<svc>-<slot>-next``)
and are renamed into the canonical name once the old one is removed, so names stay stable for operators and an
interrupted apply leaves something the next diff recognises. The arithmetic lives in :func:`rolling_batches` and
:func:`canary_batches`, documented by worked examples and tested as tables (tests/plan/test_rollout.py).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from engine.desire.types import DesiredService
from engine.plan import primitives as P
from engine.plan.diff import ServiceChange, SlotReplace
from engine.plan.steps import (
    Pause,
    RenameContainer,
    Step,
)
from engine.spec.model import StrategyType

Ids = tuple[str, ...]
ORPHAN_STOP_TIMEOUT_S = 10  # Docker's default grace period, for containers whose service the spec no longer names


def rolling_batches(count: int, max_surge: int, max_unavailable: int) -> list[tuple[int, int]]:
    """Split ``count`` replacements into batches of (taken down first, replaced beside the old one).

    Kubernetes' rule on one host: at most ``replicas + max_surge`` containers exist and at least
    ``replicas - max_unavailable`` healthy ones serve. A batch replaces ``max_surge + max_unavailable`` slots:
    ``max_unavailable`` of them lose their old replica before the new one starts, the others (the surge) get their
    new replica beside the old one, which goes only once the new one is healthy.

    Worked example, 3 replicas, surge 1, unavailable 0: batches [(0, 1), (0, 1), (0, 1)]. Batch 1 starts
    web-1-next (4 containers, 3 healthy serve), waits until it is healthy, drains and removes web-1 (3 serve, one
    new) and renames web-1-next to web-1. Batches 2 and 3 do the same for slots 2 and 3: never fewer than 3 serving,
    never more than 4 containers. With surge 0, unavailable 1: [(1, 0)] * 3, each batch removing one old replica
    (2 of 3 serve) before its replacement starts. With surge 1, unavailable 1 at 3 replicas: [(1, 1), (1, 0)].
    """
    size = max(1, max_surge + max_unavailable)
    out = []
    done = 0
    while done < count:
        batch = min(size, count - done)
        down = min(max_unavailable, batch)
        out.append((down, batch - down))
        done += batch
    return out


def canary_batches(count: int, percents: Sequence[int]) -> list[int]:
    """How many replicas each canary step moves to the new version; the shares add up to ``count``.

    Each step's cumulative target is ``ceil(percent × count / 100)``. Worked example, 10 replicas with steps
    10, 50, 100: targets 1, 5, 10, so batches [1, 4, 5]: one canary takes a tenth of the traffic (1 of 10 behind
    the alias) for the pause, then half, then all. At 3 replicas, 10/50/100 gives targets 1, 2, 3: [1, 1, 1].
    A step whose target does not grow is skipped (at 1 replica, 10/50/100 is a single step).
    """
    out: list[int] = []
    done = 0
    for percent in (*percents, 100):
        target = min(count, math.ceil(percent * count / 100))
        if target > done:
            out.append(target - done)
            done = target
    return out


def plan_rollout(change: ServiceChange, network: str, prereqs: Ids = ()) -> list[Step]:
    """Every step of one service; ``prereqs`` (network, volumes, image) come before any container is created."""
    svc = change.desired
    if svc is None:
        return [
            s
            for a in change.remove
            for s in P.retire(
                a.container.name,
                change.service,
                a.causes,
                (),
                network=network,
                drain_s=0.0,
                timeout_s=ORPHAN_STOP_TIMEOUT_S,
            )
        ]
    steps: list[Step] = []
    cleared: list[str] = []
    for action in change.remove:
        retire = P.retire(action.container.name, svc.name, action.causes, (), **P.how(svc, network))
        steps += retire
        cleared.append(retire[-1].id)
    # New containers wait for the removals: a leftover of an interrupted apply may hold the very name
    # (``<app>-<svc>-<slot>-next``) a replacement is about to be created under.
    prereqs = (*prereqs, *cleared)
    for action in change.start:
        steps += P.start_existing(svc, action)
    steps += [P.update(svc, a) for a in change.update]
    steps += [P.verify(svc, a) for a in change.verify]
    steps += [P.rename(svc, a) for a in change.rename]
    for create in change.create:
        steps += P.launch(svc, create.slot, False, (create.cause,), prereqs)
    steps += _replace(svc, change.replace, network, prereqs)
    return steps


def _replace(svc: DesiredService, replace: Sequence[SlotReplace], network: str, prereqs: Ids) -> list[Step]:
    if not replace:
        return []
    strategy = svc.strategy
    match strategy.type:
        case StrategyType.RECREATE:
            return _recreate(svc, replace, prereqs)
        case StrategyType.ROLLING:
            return _rolling(svc, replace, network, prereqs)
        case StrategyType.BLUE_GREEN:
            return _batch(svc, list(replace), network, prereqs, 0)
        case StrategyType.CANARY:
            return _canary(svc, replace, network, prereqs)


def _recreate(svc: DesiredService, replace: Sequence[SlotReplace], prereqs: Ids) -> list[Step]:
    """Stop and remove every old replica, then start the new set: downtime from the first stop to the first healthy
    new replica (the only choice when two versions cannot run side by side, e.g. one database on one volume)."""
    steps: list[Step] = []
    gone: list[str] = []
    for r in replace:
        retire = P.retire(r.old.name, svc.name, r.causes, (), network="", drain_s=0.0, timeout_s=P.stop_timeout(svc))
        steps += retire
        gone.append(retire[-1].id)
    for r in replace:
        steps += P.launch(svc, r.slot, False, r.causes, (*prereqs, *gone))
    return steps


def publishes_fixed_port(svc: DesiredService) -> bool:
    """Replicas that bind a fixed host port themselves cannot run beside their replacement (the engine refuses the
    second bind), so their rollouts must take the old replica down first. A proxy in front lifts this."""
    return any(p.host for p in svc.template.ports)


def _rolling(svc: DesiredService, replace: Sequence[SlotReplace], network: str, prereqs: Ids) -> list[Step]:
    s = svc.strategy
    steps: list[Step] = []
    todo = list(replace)
    barrier: Ids = ()
    max_surge, max_unavailable = s.max_surge, s.max_unavailable
    if publishes_fixed_port(svc):
        max_surge, max_unavailable = 0, max(1, s.max_surge + s.max_unavailable)
    for down, surge in rolling_batches(len(todo), max_surge, max_unavailable):
        batch, todo = todo[: down + surge], todo[down + surge :]
        part = _batch(svc, batch, network, (*prereqs, *barrier), down)
        steps += part
        barrier = _tails(part)
    return steps


def _canary(svc: DesiredService, replace: Sequence[SlotReplace], network: str, prereqs: Ids) -> list[Step]:
    """Each step's new replicas start beside the old ones; its pause (the judged window) starts the moment they
    are healthy (behind the proxy: the moment they joined, so their first request is watched), and the old
    replicas they replace leave only once the window passed. A window that fails has retired nothing.

    Worked example, 3 replicas, steps 33/66/100: web-1-next starts, joins, and is watched beside web-1..3 (1 of 4
    servers) for the pause; then web-1 leaves and web-1-next takes its name. web-2-next joins beside web-1 (new)
    and web-2..3 (2 of 4 new) for the second pause; then web-2 leaves. web-3-next replaces web-3 with no pause."""
    s = svc.strategy
    steps: list[Step] = []
    todo = list(replace)
    barrier: Ids = ()
    sizes = canary_batches(len(todo), s.steps)
    for number, size in enumerate(sizes, start=1):
        batch, todo = todo[:size], todo[size:]
        hold = None
        if number < len(sizes):
            moved = len(replace) - len(todo)
            hold = Pause(
                id=f"pause:{svc.name}:{number}",
                service=svc.name,
                cause=f"canary step {number}: {moved} of {len(replace)} replicas on the new version, watch",
                seconds=s.pause_s,
                max_error_rate=s.max_error_rate,
                min_requests=s.min_requests,
                max_latency_s=s.max_latency_s,
            )
        part = _batch(svc, batch, network, (*prereqs, *barrier), 0, hold)
        steps += part
        barrier = _tails(part)
    return steps


def _batch(
    svc: DesiredService, batch: Sequence[SlotReplace], network: str, after: Ids, down: int, hold: Pause | None = None
) -> list[Step]:
    """One batch: the first ``down`` slots lose their old replica first; the rest start new ones beside the old,
    and all old replicas of the surge share leave together once every new replica of the batch is healthy (for
    blue_green the batch is the whole set, so this is the switch), or, with a canary's ``hold``, once that pause
    (which starts when they are healthy) passed."""
    steps: list[Step] = []
    gates: list[str] = []
    for r in batch[:down]:
        retire = P.retire(r.old.name, svc.name, r.causes, after, **P.how(svc, network))
        steps += retire
        launch = P.launch(svc, r.slot, False, r.causes, (*after, retire[-1].id))
        steps += launch
        gates.append(launch[-1].id)
    surge = batch[down:]
    for r in surge:
        launch = P.launch(svc, r.slot, True, r.causes, after)
        steps += launch
        gates.append(launch[-1].id)
    leave_after = tuple(gates)
    if hold is not None:
        steps.append(dataclasses.replace(hold, after=leave_after))
        leave_after = (hold.id,)
    for r in surge:
        retire = P.retire(r.old.name, svc.name, r.causes, leave_after, **P.how(svc, network))
        steps += retire
        temp = svc.container(r.slot, temporary=True).name
        steps.append(
            RenameContainer(
                id=f"rename:{temp}",
                service=svc.name,
                cause=f"takes over the name of {r.old.name}",
                after=(retire[-1].id,),
                container=temp,
                new_name=r.old.name,
            )
        )
    return steps


def _tails(steps: Sequence[Step]) -> Ids:
    """Steps nothing else in ``steps`` waits for: the end of a batch."""
    needed = {dep for s in steps for dep in s.after}
    return tuple(s.id for s in steps if s.id not in needed)
