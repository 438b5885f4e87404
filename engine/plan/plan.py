"""Plan: the frozen, explainable answer to "what would apply do?", and its saved-file format.

``make_plan(desired, observed)`` runs diff → rollout per service → dependency gates → topological order, and adds
the app's network and volumes. The executor runs exactly ``plan.steps`` in ``after`` order and never re-plans; a
saved plan is refused when ``fingerprint(observed now, spec hash now)`` differs (``stale_reasons`` says why).
No secret value is ever part of a Plan: containers carry secret *sources*, labels carry digests.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.desire.hashing import sha256_hex
from engine.desire.types import PROXY_SERVICE, DesiredService, DesiredState
from engine.errors import PlanError
from engine.observe.types import ObservedState
from engine.plan import codec
from engine.plan.diff import Scope, ServiceChange, diff
from engine.plan.fingerprint import fingerprint_of, observed_tokens, token_changes
from engine.plan.graph import link_dependencies, service_order, topological
from engine.plan.membership import proxy_outage, weave_membership
from engine.plan.rollout import plan_rollout
from engine.plan.steps import (
    STEP_BY_KIND,
    BuildImage,
    CreateContainer,
    EnsureNetwork,
    EnsureVolume,
    PullImage,
    RemoveContainer,
    RemoveNetwork,
    RemoveVolume,
    Step,
    StopContainer,
    step_target,
)
from engine.plan.summary import Action, Counts, ResourceChange, count, service_summaries

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Plan:
    app: str
    env: str
    revision: int
    spec_hash: str
    fingerprint: str
    steps: tuple[Step, ...]
    changes: tuple[ResourceChange, ...]
    observed: Mapping[str, str] = field(default_factory=dict)  # the fingerprint's tokens, to name what changed
    destroy: bool = False

    @property
    def has_changes(self) -> bool:
        return bool(self.steps)

    @property
    def counts(self) -> Counts:
        return count(self.changes)

    def stale_reasons(self, observed: ObservedState, spec_hash: str) -> list[str]:
        """Empty when the plan still applies; otherwise what changed since it was made."""
        now = observed_tokens(observed, spec_hash)
        return [] if fingerprint_of(now) == self.fingerprint else token_changes(self.observed, now) or ["unknown"]


def make_plan(desired: DesiredState, observed: ObservedState, *, apply_running: bool = False,
              settled: bool = False, scope: Scope | None = None) -> Plan:
    """``apply_running``: another process's apply is at work (its lock is held and alive), so what it left under
    temporary names is named as its work in progress; the steps are the same. ``settled``: the last apply finished
    and none is pending or running, so a container Docker still calls "starting" has passed its gate already.
    ``scope``: change only those replica slots (``diff.Scope``), as when a failed release is repaired."""
    changes = diff(desired, observed, apply_running=apply_running, settled=settled, scope=scope)
    steps: list[Step] = []
    summaries: list[ResourceChange] = []
    prereq = _objects(desired, observed, steps, summaries)
    images: dict[str, Step] = {}
    by_service: dict[str, list[Step]] = {}
    for change in changes:
        svc = change.desired
        needs = [prereq.get(desired.network.name)]
        extra: tuple[str, ...] = ()
        if svc is not None and (change.create or change.replace):
            needs += [prereq.get(m.volume) for m in svc.template.mounts if m.volume]
            needs += [prereq.get(n) for n in (svc.template.network or "", *svc.template.extra_networks)]
            image, extra = _image_step(svc, images)
            needs.append(image)
        ids = tuple(sorted({n for n in needs if n}))
        by_service[change.service] = plan_rollout(change, desired.network.name, ids)
        if svc is not None and svc.name == PROXY_SERVICE and change.replace and change.observed:
            extra = (*extra, proxy_outage(svc))
        summaries += service_summaries(change, extra)
    summaries += weave_membership(desired, observed, changes, by_service)
    steps += images.values()
    steps += _ordered(desired, changes, by_service)
    return _finish(desired, observed, steps, summaries)


def _objects(
    desired: DesiredState, observed: ObservedState, steps: list[Step], out: list[ResourceChange]
) -> dict[str, str]:
    """EnsureNetwork / EnsureVolume for what is missing; name → step id, for container prerequisites."""
    ids: dict[str, str] = {}
    net = desired.network
    if net.name not in {n.name for n in observed.networks}:
        steps.append(
            EnsureNetwork(
                id=f"network:{net.name}",
                service="",
                cause="the app network does not exist",
                name=net.name,
                labels=net.labels,
            )
        )
        out.append(ResourceChange(Action.CREATE, "network", net.name, "app network (service aliases live here)"))
        ids[net.name] = f"network:{net.name}"
    admin = desired.admin_network
    if admin is not None and admin.name not in {n.name for n in observed.networks}:
        steps.append(
            EnsureNetwork(
                id=f"network:{admin.name}",
                service="",
                cause="the proxy's admin network does not exist",
                name=admin.name,
                labels=admin.labels,
            )
        )
        out.append(ResourceChange(Action.CREATE, "network", admin.name, "the proxy's admin network (runtime API)"))
        ids[admin.name] = f"network:{admin.name}"
    have = {v.name for v in observed.volumes}
    for vol in desired.volumes:
        if vol.name not in have:
            steps.append(
                EnsureVolume(
                    id=f"volume:{vol.name}",
                    service="",
                    cause="the named volume does not exist",
                    name=vol.name,
                    labels=vol.labels,
                )
            )
            out.append(ResourceChange(Action.CREATE, "volume", vol.name, "named volume (kept until destroy --volumes)"))
            ids[vol.name] = f"volume:{vol.name}"
    return ids


def _image_step(svc: DesiredService, images: dict[str, Step]) -> tuple[str | None, tuple[str, ...]]:
    """The build or pull a new container needs (shared by services naming the same image), and its cause."""
    if svc.image_id is not None:
        return None, ()
    build = svc.build
    if build is not None:
        cause = f"context {build.digest.rpartition(':')[2][:12]}… not built yet"
        step: Step = BuildImage(
            id=f"build:{build.tag}",
            service=svc.name,
            cause=cause,
            context=build.context,
            runtime=build.runtime,
            dockerfile=build.dockerfile,
            digest=build.digest,
            tag=build.tag,
            extra_tags=build.extra_tags,
            target=build.target,
            args=build.args,
            exclude=build.exclude,
        )
    else:
        cause = "not on the engine"
        step = PullImage(id=f"pull:{svc.image_ref}", service=svc.name, cause=cause, reference=svc.image_ref)
    images.setdefault(step.id, step)
    return step.id, (f"{'build' if build else 'pull'} {step_target(step)} ({cause})",)


def _ordered(desired: DesiredState, changes: list[ServiceChange], by_service: dict[str, list[Step]]) -> list[Step]:
    """Services in dependency order with their gates; orphans go last, once everything else is done."""
    linked = link_dependencies(desired, {n: s for n, s in by_service.items() if n in desired.services})
    out: list[Step] = [s for name in service_order(desired) for s in linked.get(name, [])]
    needed = {a for s in out for a in s.after}
    tails = tuple(s.id for s in out if s.id not in needed)
    for change in changes:
        if change.desired is None and change.service == PROXY_SERVICE:
            # The proxy was turned off: it goes first, and replicas that publish its ports again wait for its stop.
            gone = by_service[change.service]
            stops = tuple(s.id for s in gone if isinstance(s, StopContainer))
            out = [*gone, *(_with_after(s, (*s.after, *stops)) if _publishes(s) else s for s in out)]
        elif change.desired is None:
            out += [s if s.after else _with_after(s, tails) for s in by_service[change.service]]
    return out


def _publishes(step: Step) -> bool:
    return isinstance(step, CreateContainer) and any(p.host for p in step.spec.ports)


def _with_after(step: Step, after: tuple[str, ...]) -> Step:
    return dataclasses.replace(step, after=after)


def _finish(desired: DesiredState, observed: ObservedState, steps: list[Step], summaries: list[ResourceChange]) -> Plan:
    tokens = observed_tokens(observed, desired.spec_hash)
    return Plan(
        app=desired.app,
        env=desired.env,
        revision=desired.revision,
        spec_hash=desired.spec_hash,
        fingerprint=fingerprint_of(tokens),
        steps=tuple(topological(steps)),
        changes=tuple(summaries),
        observed=tokens,
    )


def make_destroy_plan(app: str, env: str, observed: ObservedState, *, volumes: bool = False) -> Plan:
    """Remove every container and network of the app; named volumes only when ``volumes`` (destroy --volumes)."""
    steps: list[Step] = []
    summaries: list[ResourceChange] = []
    for c in sorted(observed.containers, key=lambda c: (c.service, -c.slot, c.name)):
        steps += [
            StopContainer(id=f"stop:{c.name}", service=c.service, cause="destroy", container=c.name, timeout_s=30),
            RemoveContainer(
                id=f"remove:{c.name}", service=c.service, cause="destroy", after=(f"stop:{c.name}",), container=c.name
            ),
        ]
        summaries.append(ResourceChange(Action.DELETE, "container", c.name, "destroy"))
    removed = tuple(s.id for s in steps if isinstance(s, RemoveContainer))
    for n in sorted(observed.networks, key=lambda n: n.name):
        steps.append(
            RemoveNetwork(id=f"remove-network:{n.name}", service="", cause="destroy", after=removed, name=n.name)
        )
        summaries.append(ResourceChange(Action.DELETE, "network", n.name, "destroy"))
    for v in sorted(observed.volumes, key=lambda v: v.name) if volumes else ():
        cause = "destroy --volumes: its data is deleted"
        steps.append(RemoveVolume(id=f"remove-volume:{v.name}", service="", cause=cause, after=removed, name=v.name))
        summaries.append(ResourceChange(Action.DELETE, "volume", v.name, cause))
    spec_hash = "sha256:" + sha256_hex(f"destroy {app} {env} volumes={volumes}")
    tokens = observed_tokens(observed, spec_hash)
    return Plan(
        app=app,
        env=env,
        revision=0,
        spec_hash=spec_hash,
        fingerprint=fingerprint_of(tokens),
        steps=tuple(topological(steps)),
        changes=tuple(summaries),
        observed=tokens,
        destroy=True,
    )


def plan_to_json(plan: Plan) -> str:
    """The saved-plan file: ``format_version``, then the plan; steps carry their ``kind``. Secret-free."""
    doc: dict[str, Any] = {"format_version": FORMAT_VERSION, **codec.encode(plan)}
    doc["steps"] = [{"kind": s.kind, **codec.encode(s)} for s in plan.steps]
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def plan_from_json(text: str) -> Plan:
    """A saved plan; PlanError (never a traceback) when the file is not one this version can apply."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise PlanError(f"the saved plan is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise PlanError("this file is not a shipspec plan (no format_version); make one with `shipspec plan --out`")
    version = doc.pop("format_version")
    if version != FORMAT_VERSION:
        raise PlanError(
            f"the saved plan has format_version {version!r}; this shipspec reads version {FORMAT_VERSION}. "
            "Make a new plan with this version of shipspec."
        )
    try:
        raw_steps = doc.pop("steps", None)
        if not isinstance(raw_steps, list):
            raise ValueError("$.steps: expected a list of steps")
        steps = tuple(_step(s, i) for i, s in enumerate(raw_steps))
        plan: Plan = codec.decode(Plan, {**doc, "steps": []})
    except (ValueError, TypeError) as exc:
        raise PlanError(f"the saved plan is malformed: {exc}") from None
    return dataclasses.replace(plan, steps=steps)


def _step(data: Any, i: int) -> Step:
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in STEP_BY_KIND:
        raise ValueError(f"$.steps[{i}]: unknown step kind {kind!r}")
    body = {k: v for k, v in data.items() if k != "kind"}
    step: Step = codec.decode(STEP_BY_KIND[kind], body, f"$.steps[{i}]")
    return step
