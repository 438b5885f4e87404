"""The destroy use case: remove the app's containers and networks (named volumes only when asked), recorded in the
release history as a ``destroy`` release, so ``history`` shows when the app went away and ``rollback`` can bring
back the release that ran before it.

Release image tags (``shipspec-release/…:rN``) are what makes that rollback possible, so destroy keeps the tags of
releases still in the history and removes only those whose release is gone from it (pruned); with ``release_tags``
it removes every one of the app's release tags, and ``rollback`` then refuses, naming the missing image. Named
volumes (``--volumes``) are data, tags are the way back: each is deleted only when asked for by its own option.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.history.model import ReleaseKind, ReleaseStatus
from engine.observe.read import observe_app
from engine.plan.plan import Plan, make_destroy_plan
from engine.spec.validate import ValidSpec
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.lock import AppLock
from engine.usecases.pinning import TagCleanup, known_services, remove_release_tags
from engine.usecases.release import ReleaseInput, ReleaseOutcome, check_fresh, recover, run_release


@dataclass(frozen=True)
class DestroyPlan:
    plan: Plan
    kept_volumes: tuple[str, ...]  # named volumes that stay (no --volumes)
    release_tags: bool = False     # remove every release image tag of the app, not only those of pruned releases


@dataclass(frozen=True)
class DestroyOutcome:
    release: ReleaseOutcome
    tags: TagCleanup = field(default_factory=TagCleanup)

    @property
    def status(self) -> ReleaseStatus:
        return self.release.status

    @property
    def revision(self) -> int:
        return self.release.revision


def plan_destroy(c: Collaborators, app: str, env: str, *, volumes: bool, release_tags: bool = False) -> DestroyPlan:
    """What destroy would remove, from one observation made before the lock."""
    observed = observe_app(c.gateway, app, proxy=False)
    kept = () if volumes else tuple(v.name for v in observed.volumes)
    return DestroyPlan(make_destroy_plan(app, env, observed, volumes=volumes), kept, release_tags)


def destroy(valid: ValidSpec, planned: DestroyPlan, c: Collaborators, settings: ApplySettings) -> DestroyOutcome:
    """Run the destroy plan under the lock, refused if the engine changed since it was shown; once it succeeded,
    remove the release tags it should (see the module docstring)."""
    plan = planned.plan
    with AppLock(c.gateway, plan.app, plan.env, wait_seconds=settings.lock_timeout_s, clock=c.clock) as lock:
        recover(lock, c.history, c.listener, plan.app, plan.env)
        check_fresh(plan, observe_app(c.gateway, plan.app, proxy=False), plan.spec_hash)
        release = ReleaseInput(plan, valid.text, {}, None, ReleaseKind.DESTROY)
        outcome = run_release(release, c.gateway, c.history, c.listener, c.clock, parallelism=settings.parallelism,
                              rollback=False)
        if not outcome.report.ok:
            return DestroyOutcome(outcome)
        return DestroyOutcome(outcome, _drop_tags(valid, c, plan.app, plan.env, everything=planned.release_tags))


def drop_release_tags(valid: ValidSpec, c: Collaborators, app: str, env: str, settings: ApplySettings) -> TagCleanup:
    """Every release image tag of an app that is already destroyed (``destroy --release-tags`` run again)."""
    with AppLock(c.gateway, app, env, wait_seconds=settings.lock_timeout_s, clock=c.clock) as lock:
        recover(lock, c.history, c.listener, app, env)
        return _drop_tags(valid, c, app, env, everything=True)


def _drop_tags(valid: ValidSpec, c: Collaborators, app: str, env: str, *, everything: bool) -> TagCleanup:
    in_history = {r.revision for r in c.history.releases(app, env)}
    services = known_services(c.history, app, env, valid.spec.services)
    return remove_release_tags(c.gateway, app, env, services, lambda rev: everything or rev not in in_history)
