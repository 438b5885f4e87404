"""The destroy use case: remove the app's containers and networks (named volumes only when asked), recorded in the
release history as a ``destroy`` release, so ``history`` shows when the app went away and ``rollback`` can bring
back the release that ran before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.history.model import ReleaseKind
from engine.observe.read import observe_app
from engine.plan.plan import Plan, make_destroy_plan
from engine.spec.validate import ValidSpec
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.lock import AppLock
from engine.usecases.release import ReleaseInput, ReleaseOutcome, check_fresh, recover, run_release


@dataclass(frozen=True)
class DestroyPlan:
    plan: Plan
    kept_volumes: tuple[str, ...]  # named volumes that stay (no --volumes)


def plan_destroy(c: Collaborators, app: str, env: str, *, volumes: bool) -> DestroyPlan:
    """What destroy would remove, from one observation made before the lock."""
    observed = observe_app(c.gateway, app, proxy=False)
    kept = () if volumes else tuple(v.name for v in observed.volumes)
    return DestroyPlan(make_destroy_plan(app, env, observed, volumes=volumes), kept)


def destroy(valid: ValidSpec, planned: DestroyPlan, c: Collaborators, settings: ApplySettings) -> ReleaseOutcome:
    """Run the destroy plan under the lock, refused if the engine changed since it was shown."""
    plan = planned.plan
    with AppLock(c.gateway, plan.app, plan.env, wait_seconds=settings.lock_timeout_s, clock=c.clock) as lock:
        recover(lock, c.history, c.listener, plan.app, plan.env)
        check_fresh(plan, observe_app(c.gateway, plan.app, proxy=False), plan.spec_hash)
        release = ReleaseInput(plan, valid.text, {}, None, ReleaseKind.DESTROY)
        return run_release(release, c.gateway, c.history, c.listener, c.clock, parallelism=settings.parallelism,
                           rollback=False)
