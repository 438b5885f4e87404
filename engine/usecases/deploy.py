"""The deploy use case: run a release and, when it fails, put the previous release back by itself.

Two layers of rollback, each with its own deadline, neither ever rolled back itself:

1. the executor compensates the failed release's own steps (new containers removed, old ones restarted, renames
   and aliases put back): fast, because old replicas are kept until their replacements are healthy;
2. if anything is still not as the last deployed release left it (a rolling update had already replaced some
   batches), that release is re-applied, pinned to its images, as a new ``rollback`` revision.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.events import ExecutionListener, RollbackStarted
from engine.history.model import ReleaseStatus
from engine.history.sqlite import SqliteHistoryStore
from engine.plan.plan import Plan
from engine.ports import Clock, DockerGateway
from engine.spec.validate import ValidSpec
from engine.usecases.prepare import Options, prepare
from engine.usecases.release import ReleaseInput, ReleaseOutcome, run_release
from engine.usecases.rollback import pinned_spec, tag_release_images


@dataclass(frozen=True)
class DeployOutcome:
    release: ReleaseOutcome
    restored: ReleaseOutcome | None = None   # the re-applied previous release, when one was needed

    @property
    def ok(self) -> bool:
        return self.release.status is ReleaseStatus.DEPLOYED


def deploy(
    valid: ValidSpec,
    plan: Plan,
    dockerfiles: dict[str, str] | None,
    gateway: DockerGateway,
    store: SqliteHistoryStore,
    listener: ExecutionListener,
    clock: Clock,
    *,
    options: Options,
    parallelism: int = 16,
    rollback: bool = True,
    kind: str = "apply",
    rollback_of: int | None = None,
) -> DeployOutcome:
    previous = store.last_deployed(plan.app, plan.env)
    release = ReleaseInput(plan, valid.path.read_text(encoding="utf-8") if kind == "apply" else _snapshot(store, plan,
                           rollback_of), dockerfiles or {}, options.environ, kind, rollback_of)
    outcome = run_release(release, gateway, store, listener, clock, parallelism=parallelism, rollback=rollback)
    if outcome.status is ReleaseStatus.DEPLOYED:
        tag_release_images(gateway, plan.app, plan.env, outcome.revision, store.get(plan.app, plan.env,
                                                                                   outcome.revision).image_ids)
        return DeployOutcome(outcome)
    if not rollback or kind != "apply" or previous is None or not outcome.report.rollback_ok:
        return DeployOutcome(outcome)
    restore_valid = pinned_spec(previous, valid.path, valid.env, gateway)
    revision = store.next_revision(plan.app, plan.env)
    prepared = prepare(restore_valid, gateway, options, revision)
    if not prepared.plan.has_changes:
        return DeployOutcome(outcome)
    listener.on_event(RollbackStarted(f"re-applying revision {previous.revision}", len(prepared.plan.steps)))
    restored = run_release(
        ReleaseInput(prepared.plan, previous.spec_snapshot, {}, options.environ, "rollback", previous.revision),
        gateway, store, listener, clock, parallelism=parallelism, rollback=False,
    )
    if restored.status is ReleaseStatus.DEPLOYED:
        tag_release_images(gateway, plan.app, plan.env, restored.revision,
                           store.get(plan.app, plan.env, restored.revision).image_ids)
    else:
        store.finish_release(plan.app, plan.env, outcome.revision, status=ReleaseStatus.FAILED,
                             error=outcome.report.error + f"; re-applying revision {previous.revision} failed too")
    return DeployOutcome(outcome, restored)


def _snapshot(store: SqliteHistoryStore, plan: Plan, rollback_of: int | None) -> str:
    if rollback_of is None:
        return ""
    return store.get(plan.app, plan.env, rollback_of).spec_snapshot
