"""diff(desired, observed) → one ServiceChange per service: what to create, replace, update, start or remove.

Pure. A replica slot is current when it runs the desired image ID and its config-hash label equals the desired
hash, or (same image ID) the hash the desired configuration has with the container's own image reference: a
container made from a release's pinned tag of the very image the spec names is current, a name is no identity.
The fields ``docker update`` can change are compared with the engine's live values (see ``config.py``). Every
decision carries its causes down to the field, read from the summary label, so the plan can say *why*. Drift
(stopped, removed or ``docker update``-d by hand) is named as such. Volumes and networks are handled by ``plan.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from engine import labels as L
from engine.desire.config import IMAGE_FIELDS, field_causes, hash_with_image, parse_summary, short_id
from engine.desire.container import format_bytes, format_cpus
from engine.desire.naming import container_name
from engine.desire.types import DesiredService, DesiredState
from engine.observe.types import ContainerState, Health, ObservedContainer, ObservedState


class ChangeKind(StrEnum):
    CREATE = "create"  # nothing of the service runs yet
    NOOP = "no-op"
    UPDATE = "update"  # any mix of replace, in-place update, start, scale
    REMOVE = "remove"  # the spec no longer names the service


@dataclass(frozen=True, slots=True)
class SlotCreate:
    slot: int
    cause: str
    scale: bool = False  # a slot added by raising ``replicas`` (not a replica gone missing)


@dataclass(frozen=True, slots=True)
class SlotReplace:
    slot: int
    old: ObservedContainer
    causes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContainerAction:
    container: ObservedContainer
    causes: tuple[str, ...]
    scale: bool = False  # removed by lowering ``replicas`` (not an orphan or a duplicate)


@dataclass(frozen=True, slots=True)
class ServiceChange:
    service: str
    desired: DesiredService | None
    observed: tuple[ObservedContainer, ...]
    create: tuple[SlotCreate, ...] = ()
    replace: tuple[SlotReplace, ...] = ()
    update: tuple[ContainerAction, ...] = ()  # docker update in place
    start: tuple[ContainerAction, ...] = ()  # stopped by hand, otherwise current
    rename: tuple[ContainerAction, ...] = ()  # current, but left under a temporary name
    remove: tuple[ContainerAction, ...] = ()  # scale down (highest slots first), orphans, duplicates
    verify: tuple[ContainerAction, ...] = ()  # current, but never seen healthy (an interrupted apply): wait for it

    @property
    def kind(self) -> ChangeKind:
        if self.desired is None:
            return ChangeKind.REMOVE
        if not (self.create or self.replace or self.update or self.start or self.rename or self.remove or self.verify):
            return ChangeKind.NOOP
        return ChangeKind.CREATE if not self.observed else ChangeKind.UPDATE

    @property
    def causes(self) -> tuple[str, ...]:
        """Distinct causes in first-seen order, for the service's summary line."""
        seen: dict[str, None] = {}
        for group in (self.replace, self.update, self.start, self.rename, self.remove, self.verify):
            for item in group:
                seen.update(dict.fromkeys(item.causes))
        for c in self.create:
            seen[c.cause] = None
        return tuple(seen)


INTERRUPTED = "an interrupted apply"
RUNNING = "the apply running now"
SETTLED = "the last apply, which finished"


@dataclass(frozen=True, slots=True)
class Scope:
    """Only these replica slots may change: re-applying the last release where a failed one left what undoing its
    steps could not put back (replicas it retired or updated in place), and nowhere else."""

    slots: Mapping[str, frozenset[int]]  # service → replica slots
    cause: str  # why they differ, e.g. "retired by revision 7, which failed" (never "drift": shipspec did it)


def diff(desired: DesiredState, observed: ObservedState, *, apply_running: bool = False,
         settled: bool = False, scope: Scope | None = None) -> list[ServiceChange]:
    """Changes for every desired service (sorted), then for every orphaned service (sorted). ``apply_running``:
    another process holds the lock and is at work, so a leftover is its work in progress, not an interruption's.
    ``settled``: the last apply finished and none is pending, so every container passed its health gate.
    ``scope``: only the changes of its slots."""
    changes = _diff(desired, observed, apply_running=apply_running, settled=settled)
    return changes if scope is None else [_within(change, scope) for change in changes]


def _within(change: ServiceChange, scope: Scope) -> ServiceChange:
    slots = scope.slots.get(change.service, frozenset())

    def keep(actions: tuple[ContainerAction, ...]) -> tuple[ContainerAction, ...]:
        return tuple(a for a in actions if a.container.slot in slots)

    return dataclasses.replace(
        change,
        create=tuple(dataclasses.replace(c, cause=scope.cause) for c in change.create if c.slot in slots),
        replace=tuple(r for r in change.replace if r.slot in slots),
        update=keep(change.update), start=keep(change.start), rename=keep(change.rename),
        remove=keep(change.remove), verify=keep(change.verify),
    )


def _diff(desired: DesiredState, observed: ObservedState, *, apply_running: bool,
          settled: bool) -> list[ServiceChange]:
    origin = RUNNING if apply_running else SETTLED if settled else INTERRUPTED
    by_service: dict[str, list[ObservedContainer]] = {}
    for c in observed.containers:
        by_service.setdefault(c.service, []).append(c)
    out = [_service_change(svc, by_service.get(name, []), origin) for name, svc in sorted(desired.services.items())]
    for name in sorted(set(by_service) - set(desired.services)):
        olds = sorted(by_service[name], key=_removal_order)
        out.append(
            ServiceChange(
                service=name,
                desired=None,
                observed=tuple(olds),
                remove=tuple(ContainerAction(c, ("not in the spec",)) for c in olds),
            )
        )
    return out


def _removal_order(c: ObservedContainer) -> tuple[int, str]:
    return (-c.slot, c.name)


@dataclass
class _Buckets:
    """The per-slot decisions of one service while they are collected."""

    create: list[SlotCreate] = field(default_factory=list)
    replace: list[SlotReplace] = field(default_factory=list)
    update: list[ContainerAction] = field(default_factory=list)
    start: list[ContainerAction] = field(default_factory=list)
    rename: list[ContainerAction] = field(default_factory=list)
    remove: list[ContainerAction] = field(default_factory=list)
    verify: list[ContainerAction] = field(default_factory=list)


def _service_change(svc: DesiredService, olds: Sequence[ObservedContainer], origin: str) -> ServiceChange:
    app = svc.template.labels[L.APP]
    slots: dict[int, list[ObservedContainer]] = {}
    for c in olds:
        slots.setdefault(c.slot, []).append(c)
    b = _Buckets()
    live = len({c.slot for c in olds})
    for slot in sorted(s for s in slots if not 1 <= s <= svc.replicas):
        cause = f"scale {live} → {svc.replicas} replicas"
        b.remove.extend(ContainerAction(c, (cause,), scale=True) for c in slots[slot])
    for slot in range(1, svc.replicas + 1):
        here = slots.get(slot, [])
        if not here:
            b.create.append(SlotCreate(slot, _missing_cause(slot, olds, live, svc.replicas),
                                       scale=bool(olds) and slot > max(c.slot for c in olds)))
            continue
        keep, extras = _pick(here, container_name(app, svc.name, slot))
        b.remove.extend(ContainerAction(c, (f"duplicate of replica slot {slot} (left by {origin})",)) for c in extras)
        _judge(svc, slot, keep, b, origin)
    b.remove.sort(key=lambda a: _removal_order(a.container))
    return ServiceChange(
        service=svc.name,
        desired=svc,
        observed=tuple(sorted(olds, key=lambda c: (c.slot, c.name))),
        create=tuple(b.create),
        replace=tuple(b.replace),
        update=tuple(b.update),
        start=tuple(b.start),
        rename=tuple(b.rename),
        remove=tuple(b.remove),
        verify=tuple(b.verify),
    )


def _missing_cause(slot: int, olds: Sequence[ObservedContainer], live: int, replicas: int) -> str:
    if not olds:
        return "new service"
    if slot > max(c.slot for c in olds):
        return f"scale {live} → {replicas} replicas"
    return "container removed outside shipspec (drift)"


def _pick(here: list[ObservedContainer], canonical: str) -> tuple[ObservedContainer, list[ObservedContainer]]:
    """The container that holds the slot: the canonically named one, else the newest revision."""
    ranked = sorted(here, key=lambda c: (c.name != canonical, c.state is not ContainerState.RUNNING, -c.revision))
    return ranked[0], ranked[1:]


def _judge(svc: DesiredService, slot: int, c: ObservedContainer, b: _Buckets, origin: str) -> None:
    """Sort one slot's container into its buckets (none: it is current)."""
    causes = recreate_causes(svc, c)
    stopped = _stopped_cause(svc, c)
    temporary = c.name != container_name(svc.template.labels[L.APP], svc.name, slot)
    if temporary and (causes or stopped):
        b.remove.append(ContainerAction(c, (f"left under a temporary name by {origin}",)))
        b.create.append(SlotCreate(slot, f"replaces a leftover of {origin}"))
        return
    if not causes and c.state is ContainerState.RUNNING and c.health is Health.UNHEALTHY:
        causes = ["unhealthy: its health check fails (drift)"]
    if causes or c.state is ContainerState.DEAD:
        extra = [stopped] if stopped else []
        b.replace.append(SlotReplace(slot, c, (*causes, *extra, *update_causes(svc, c))))
        return
    if temporary:
        b.rename.append(ContainerAction(c, (f"left under a temporary name by {origin}",)))
    if stopped:
        b.start.append(ContainerAction(c, (stopped,)))
    if changes := update_causes(svc, c):
        b.update.append(ContainerAction(c, tuple(changes)))
    # Docker says "starting" until its own first check, one interval after start; an apply's gate that ran the
    # check itself opened earlier. After a finished apply that is no change to wait for: the plan right after
    # `apply` has nothing to do (Docker's later verdict, unhealthy, is a replacement like any other).
    if not stopped and c.health is Health.STARTING and svc.template.health is not None and origin != SETTLED:
        waits = "the apply running now waits for it" if origin == RUNNING else "an earlier apply was interrupted"
        b.verify.append(ContainerAction(c, (f"not seen healthy yet ({waits})",)))


def recreate_causes(svc: DesiredService, c: ObservedContainer) -> list[str]:
    """Why this container needs replacing: field causes from the summary labels, and the image ID."""
    causes: list[str] = []
    same_image = svc.image_id is not None and c.image_id == svc.image_id
    if c.config_hash != svc.config_hash and not (same_image and same_but_image_name(svc, c)):
        old = parse_summary(c.labels.get(L.CONFIG))
        new = parse_summary(svc.summary)
        if same_image and old is not None and new is not None:  # the image is the same: a name change is no cause
            old, new = _without_image(old), _without_image(new)
        found = field_causes(old, new) if old is not None and new is not None else []
        causes.extend(found or [f"config hash {c.config_hash[:19]}… → {svc.config_hash[:19]}…"])
    if svc.image_id is not None and c.image_id and c.image_id != svc.image_id:
        causes.append(f"image {short_id(c.image_id)} → {short_id(svc.image_id)} ({svc.image_ref})")
    return causes


def same_but_image_name(svc: DesiredService, c: ObservedContainer) -> bool:
    """The container's configuration is the desired one, except maybe the reference its image was named by."""
    return bool(svc.document) and hash_with_image(svc.document, c.image_ref, c.build_digest) == c.config_hash


def _without_image(summary: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in summary.items() if k not in IMAGE_FIELDS}


def _stopped_cause(svc: DesiredService, c: ObservedContainer) -> str | None:
    """A replica that should run but does not: stopped by hand, unless it is a one-shot that completed."""
    if c.state not in (ContainerState.EXITED, ContainerState.CREATED, ContainerState.DEAD):
        return None
    if c.state is ContainerState.EXITED and c.exit_code == 0 and svc.template.restart in ("no", "on-failure"):
        return None  # a one-shot job that completed is not drift
    code = f" (exit code {c.exit_code})" if c.exit_code is not None else ""
    return f"{c.state.value}{code}: stopped outside shipspec (drift)"


def update_causes(svc: DesiredService, c: ObservedContainer) -> list[str]:
    """Fields ``docker update`` can set, compared with the engine's live values (None and 0 both mean unset)."""
    want = svc.template
    recorded = (parse_summary(c.labels.get(L.CONFIG)) or {}).get("update", {})
    pairs = (
        ("cpu", "nano_cpus", c.nano_cpus or None, want.nano_cpus or None, format_cpus),
        ("memory", "mem_limit", c.mem_limit or None, want.mem_limit or None, format_bytes),
        ("memory reservation", "mem_reservation", c.mem_reservation or None, want.mem_reservation, format_bytes),
    )
    out = []
    for label, key, live, desired, fmt in pairs:
        if live != (desired or None):
            out.append(f"{label} {fmt(live)} → {fmt(desired)}{_drift_note(recorded, key, live)}")
    restart = "no" if c.restart == "" else c.restart
    if restart is not None and restart != want.restart:
        out.append(f"restart {restart} → {want.restart}{_drift_note(recorded, 'restart', restart)}")
    return out


def _drift_note(recorded: object, key: str, live: object) -> str:
    """Shipspec recorded what it set at creation: a live value that differs was changed by hand."""
    if not isinstance(recorded, dict) or key not in recorded:
        return ""
    return "" if (recorded[key] or None) == (live or None) else " (changed outside shipspec: drift)"
