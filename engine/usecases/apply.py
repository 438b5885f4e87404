"""The apply use case: under the lock, re-check the engine once, then run the plan as a recorded release.

The plan comes from the plan use case (``engine.usecases.prepare``) or from a saved plan file; either way it was
made from one observation before the lock, and exactly one more is made after taking it. The CLI shows the plan
and asks for confirmation between the two. When the engine moved on in between (typically: this apply waited,
``--lock-timeout``, for another one that changed things), a saved plan is refused, since it is what was reviewed;
a plan made by this command is made again from what runs now, and ``on_replan`` shows it (and may refuse it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.desire.build import image_refs
from engine.events import LockWaiting, ReleaseStarting, Replanned
from engine.observe.read import observe_app
from engine.plan.plan import Plan
from engine.ports import HistoryStore
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.deploy import DeployOutcome, deploy
from engine.usecases.lock import AppLock, LockInfo
from engine.usecases.prepare import Options, Prepared, prepare
from engine.usecases.release import check_fresh, recover


@dataclass(frozen=True)
class ApplyOutcome:
    plan: Plan
    deployed: DeployOutcome | None  # None: nothing to change once the lock was held (interrupted releases closed)


def needs_apply(plan: Plan, history: HistoryStore) -> bool:
    """Whether apply has anything to do: changes, or a release an interrupted shipspec left open."""
    return plan.has_changes or bool(history.pending(plan.app, plan.env))


def apply(
    prepared: Prepared, c: Collaborators, options: Options, settings: ApplySettings, *, saved: Plan | None = None,
    on_replan: Callable[[Plan], None] | None = None,
) -> ApplyOutcome:
    """Converge the engine to ``prepared.plan`` (or to ``saved``, a plan file made earlier) under the app's lock.
    ``on_replan`` sees a plan made again under the lock; raising refuses it (nothing is changed)."""
    plan = saved or prepared.plan
    app, env = plan.app, plan.env

    def waiting(info: LockInfo) -> None:
        c.listener.on_event(LockWaiting(info.describe(c.clock.now()), settings.lock_timeout_s))

    with AppLock(c.gateway, app, env, wait_seconds=settings.lock_timeout_s, clock=c.clock, on_wait=waiting) as lock:
        recover(lock, c.history, c.listener, app, env)
        # The fingerprint leaves the proxy's members out, so the proxy need not be asked again.
        observed = observe_app(c.gateway, app, image_refs(prepared.desired), proxy=False)
        if saved is not None:
            check_fresh(plan, observed, prepared.desired.spec_hash)
        elif reasons := plan.stale_reasons(observed, prepared.desired.spec_hash):
            c.listener.on_event(Replanned(tuple(reasons)))
            prepared = prepare(prepared.valid, c.gateway, options, c.history.next_revision(app, env))
            plan = prepared.plan
            if on_replan is not None:
                on_replan(plan)
        if not plan.has_changes:
            return ApplyOutcome(plan, None)
        c.listener.on_event(ReleaseStarting(max(plan.revision, c.history.next_revision(app, env)), app, env))
        outcome = deploy(prepared, plan, c, options, settings)
    return ApplyOutcome(plan, outcome)
