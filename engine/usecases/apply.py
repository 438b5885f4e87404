"""The apply use case: under the lock, re-check the engine once, then run the plan as a recorded release.

The plan comes from the plan use case (``engine.usecases.prepare``) or from a saved plan file; either way it was
made from one observation before the lock, and exactly one more is made after taking it, to refuse the plan if the
engine or the spec moved on in between. The CLI shows the plan and asks for confirmation between the two.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.desire.build import image_refs
from engine.events import ReleaseStarting
from engine.observe.read import observe_app
from engine.plan.plan import Plan
from engine.ports import HistoryStore
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.deploy import DeployOutcome, deploy
from engine.usecases.lock import AppLock
from engine.usecases.prepare import Options, Prepared
from engine.usecases.release import check_fresh, recover


@dataclass(frozen=True)
class ApplyOutcome:
    plan: Plan
    deployed: DeployOutcome | None  # None: nothing to change once the lock was held (interrupted releases closed)


def needs_apply(plan: Plan, history: HistoryStore) -> bool:
    """Whether apply has anything to do: changes, or a release an interrupted shipspec left open."""
    return plan.has_changes or bool(history.pending(plan.app, plan.env))


def apply(
    prepared: Prepared, c: Collaborators, options: Options, settings: ApplySettings, *, saved: Plan | None = None
) -> ApplyOutcome:
    """Converge the engine to ``prepared.plan`` (or to ``saved``, a plan file made earlier) under the app's lock."""
    plan = saved or prepared.plan
    app, env = plan.app, plan.env
    with AppLock(c.gateway, app, env, wait_seconds=settings.lock_timeout_s, clock=c.clock) as lock:
        recover(lock, c.history, c.listener, app, env)
        # The fingerprint leaves the proxy's members out, so the proxy need not be asked again.
        observed = observe_app(c.gateway, app, image_refs(prepared.desired), proxy=False)
        check_fresh(plan, observed, prepared.desired.spec_hash)
        if not plan.has_changes:
            return ApplyOutcome(plan, None)
        c.listener.on_event(ReleaseStarting(max(plan.revision, c.history.next_revision(app, env)), app, env))
        outcome = deploy(prepared, plan, c, options, settings)
    return ApplyOutcome(plan, outcome)
