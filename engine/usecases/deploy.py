"""Run a release and, when it fails, put the previous release back by itself (the caller holds the lock).

Two layers of rollback, each with its own deadline, neither ever rolled back itself:

1. the executor compensates the failed release's own steps (new containers removed, old ones restarted, renames
   and aliases put back): fast, because old replicas are kept until their replacements are healthy;
2. if anything is still not as the last deployed release left it (a rolling update had already replaced some
   batches), that release is re-applied, pinned to its images, as a new ``rollback`` revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.desire.types import DesiredState
from engine.events import RollbackStarted
from engine.history.model import ReleaseKind, ReleaseStatus
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
    if not settings.rollback or kind is not ReleaseKind.APPLY or previous is None or not outcome.report.rollback_ok:
        return DeployOutcome(outcome)
    restore = prepare(pinned_spec(previous, valid.path, valid.env, c.gateway), c.gateway, options,
                      c.history.next_revision(plan.app, plan.env))
    if not restore.plan.has_changes:
        return DeployOutcome(outcome)
    c.listener.on_event(RollbackStarted(f"re-applying revision {previous.revision}", len(restore.plan.steps)))
    restored = _run(
        ReleaseInput(restore.plan, previous.spec_snapshot, {}, options.environ, ReleaseKind.ROLLBACK,
                     previous.revision, service_images(restore.desired)),
        c, settings, False,
    )
    if restored.status is not ReleaseStatus.DEPLOYED:
        c.history.finish_release(plan.app, plan.env, outcome.revision, status=ReleaseStatus.FAILED,
                                 error=outcome.report.error + f"; re-applying revision {previous.revision} failed too")
    return DeployOutcome(outcome, restored)


def _run(release: ReleaseInput, c: Collaborators, settings: ApplySettings, rollback: bool) -> ReleaseOutcome:
    """One release; a deployed one has its images tagged so a later rollback finds exactly them."""
    outcome = run_release(release, c.gateway, c.history, c.listener, c.clock, parallelism=settings.parallelism,
                          rollback=rollback)
    if outcome.status is ReleaseStatus.DEPLOYED:
        plan = release.plan
        images: Mapping[str, str] = c.history.get(plan.app, plan.env, outcome.revision).image_ids
        tag_release_images(c.gateway, plan.app, plan.env, outcome.revision, dict(images))
    return outcome
