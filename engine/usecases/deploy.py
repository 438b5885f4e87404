"""Run a release and, when it fails, put the previous release back by itself (the caller holds the lock).

Two layers of rollback, each with its own deadline, neither ever rolled back itself:

1. the executor compensates the failed release's own steps (new containers removed, old ones restarted, renames
   and aliases put back): fast, because old replicas are kept until their replacements are healthy;
2. only where that could not restore the last deployed release (old replicas the failed release had retired, or
   ``docker update``-d: ``ExecutionReport.unrestored``), that release is re-applied, pinned to its images, as a new
   ``rollback`` revision, and its plan is limited to those replica slots (``diff.Scope``): replicas the failed
   release never changed are left alone. A failure before any retirement re-applies nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from engine.desire.naming import slot_of
from engine.desire.types import DesiredState
from engine.errors import ShipspecError
from engine.events import RestoreFinished, RestoreStarted, Unrestored
from engine.history.model import ReleaseKind, ReleaseRecord, ReleaseStatus
from engine.plan.diff import Scope
from engine.plan.plan import Plan
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.pinning import pinned_spec, tag_release_images
from engine.usecases.prepare import Options, Prepared, prepare
from engine.usecases.release import ReleaseInput, ReleaseOutcome, run_release


@dataclass(frozen=True)
class DeployOutcome:
    release: ReleaseOutcome
    restored: ReleaseOutcome | None = None   # the re-applied previous release, when one was needed

    @property
    def ok(self) -> bool:
        return self.release.status is ReleaseStatus.DEPLOYED


def service_images(desired: DesiredState) -> dict[str, tuple[str, str | None]]:
    """service → (image reference, ID the engine has now): what the history records a release ran."""
    return {name: (svc.image_ref, svc.image_id) for name, svc in desired.services.items()}


def deploy(
    prepared: Prepared,
    plan: Plan,
    c: Collaborators,
    options: Options,
    settings: ApplySettings,
    *,
    kind: ReleaseKind = ReleaseKind.APPLY,
    rollback_of: int | None = None,
) -> DeployOutcome:
    """Run ``plan`` (made from ``prepared``, or saved from an earlier one) as a release; the history keeps the spec
    text that was validated."""
    valid = prepared.valid
    previous = c.history.last_deployed(plan.app, plan.env)
    release = ReleaseInput(plan, valid.text, prepared.dockerfiles, options.environ, kind, rollback_of,
                           service_images(prepared.desired))
    outcome = _run(release, c, settings, settings.rollback)
    if outcome.status is ReleaseStatus.DEPLOYED:
        return DeployOutcome(outcome)
    report = outcome.report
    if not report.rolled_back or not report.rollback_ok or not report.unrestored:
        return DeployOutcome(outcome)
    if kind is not ReleaseKind.APPLY or previous is None:  # a rollback is never itself rolled back
        left = ", ".join(f"{u.container} ({u.how})" for u in report.unrestored)
        c.history.finish_release(plan.app, plan.env, outcome.revision, status=ReleaseStatus.FAILED,
                                 error=f"{report.error}; not restored: {left}")
        return DeployOutcome(dataclasses.replace(outcome, status=ReleaseStatus.FAILED))
    return _restore(prepared, plan, outcome, previous, c, options, settings)


def restore_scope(unrestored: tuple[Unrestored, ...], failed_revision: int) -> Scope:
    """The replica slots to re-apply the last release to: those of every container the failed release left."""
    slots: dict[str, set[int]] = {}
    for item in unrestored:
        if slot := slot_of(item.container):
            slots.setdefault(item.service, set()).add(slot)
    hows = " or ".join(sorted({item.how for item in unrestored}))
    return Scope({svc: frozenset(s) for svc, s in slots.items()}, f"{hows} by revision {failed_revision}, which failed")


def _restore(prepared: Prepared, plan: Plan, outcome: ReleaseOutcome, previous: ReleaseRecord, c: Collaborators,
             options: Options, settings: ApplySettings) -> DeployOutcome:
    """Re-apply ``previous`` where the failed release left what undoing could not restore, and only there."""
    valid, unrestored = prepared.valid, outcome.report.unrestored
    try:
        restore = prepare(pinned_spec(previous, valid.path, valid.env, c.gateway), c.gateway, options,
                          c.history.next_revision(plan.app, plan.env),
                          scope=restore_scope(unrestored, outcome.revision))
    except ShipspecError as exc:
        c.listener.on_event(RestoreFinished(False, previous.revision, f"could not plan it: {exc}"))
        return DeployOutcome(_not_restored(c, plan, outcome, previous, f"could not be planned: {exc}"))
    if not restore.plan.has_changes:
        c.listener.on_event(RestoreFinished(True, previous.revision, "nothing differed from it"))
        return DeployOutcome(outcome)
    c.listener.on_event(RestoreStarted(previous.revision, restore.plan.revision, outcome.revision, unrestored,
                                       len(restore.plan.steps)))
    restored = _run(
        ReleaseInput(restore.plan, previous.spec_snapshot, {}, options.environ, ReleaseKind.ROLLBACK,
                     previous.revision, service_images(restore.desired)),
        c, settings, False,
    )
    ok = restored.status is ReleaseStatus.DEPLOYED
    c.listener.on_event(RestoreFinished(ok, previous.revision, "" if ok else restored.report.error))
    return DeployOutcome(outcome if ok else _not_restored(c, plan, outcome, previous, "failed too"), restored)


def _not_restored(c: Collaborators, plan: Plan, outcome: ReleaseOutcome, previous: ReleaseRecord,
                  why: str) -> ReleaseOutcome:
    """The failed release is recorded as failed (not rolled back): what it retired was not brought back."""
    c.history.finish_release(plan.app, plan.env, outcome.revision, status=ReleaseStatus.FAILED,
                             error=outcome.report.error + f"; re-applying revision {previous.revision} {why}")
    return dataclasses.replace(outcome, status=ReleaseStatus.FAILED)


def _run(release: ReleaseInput, c: Collaborators, settings: ApplySettings, rollback: bool) -> ReleaseOutcome:
    """One release; a deployed one has its images tagged so a later rollback finds exactly them."""
    outcome = run_release(release, c.gateway, c.history, c.listener, c.clock, parallelism=settings.parallelism,
                          rollback=rollback)
    if outcome.status is ReleaseStatus.DEPLOYED:
        plan = release.plan
        images: Mapping[str, str] = c.history.get(plan.app, plan.env, outcome.revision).image_ids
        tag_release_images(c.gateway, plan.app, plan.env, outcome.revision, dict(images))
    return outcome
