"""The rollback use case: re-apply a recorded release, pinned to the images it ran, as a new revision (Helm's).

The release's spec is pinned to its images (``engine.usecases.pinning``), then planned and applied like any change,
health gates included, under the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.history.model import ReleaseKind, ReleaseRecord
from engine.plan.plan import Plan
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.deploy import DeployOutcome, deploy
from engine.usecases.lock import AppLock
from engine.usecases.pinning import choose_target, pinned_spec
from engine.usecases.prepare import Options, prepare
from engine.usecases.release import recover


@dataclass(frozen=True)
class RollbackOutcome:
    target: ReleaseRecord
    plan: Plan
    deployed: DeployOutcome | None  # None: nothing differs from the target release


def rollback(
    c: Collaborators, options: Options, settings: ApplySettings, app: str, env: str, to: int | None,
    approve: Callable[[ReleaseRecord, Plan], None],
) -> RollbackOutcome:
    """Plan the target release under the lock, let ``approve`` see it (it raises to decline), then deploy it."""
    target = choose_target(c.history, app, env, to)
    with AppLock(c.gateway, app, env, wait_seconds=settings.lock_timeout_s, clock=c.clock) as lock:
        recover(lock, c.history, c.listener, app, env)
        valid = pinned_spec(target, options.spec_file, options.env, c.gateway)
        prepared = prepare(valid, c.gateway, options, c.history.next_revision(app, env))
        approve(target, prepared.plan)
        if not prepared.plan.has_changes:
            return RollbackOutcome(target, prepared.plan, None)
        outcome = deploy(prepared, prepared.plan, c, options, settings, kind=ReleaseKind.ROLLBACK,
                         rollback_of=target.revision)
    return RollbackOutcome(target, prepared.plan, outcome)
