"""Apply a plan as a recorded release: journal every step, close the release, record the images it ran.

Order matters for safety: the caller holds the lock and has re-checked the engine (``check_fresh``) before this
runs; the release row is written (pending) before the first step, so a crash leaves a pending release that the
next command closes as failed ("interrupted") before it plans again.
"""

from __future__ import annotations

import getpass
import hashlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import PlanError
from engine.events import InterruptedClosed, LockRecovered
from engine.execute import DEFAULT_PARALLELISM
from engine.execute.dispatch import StepContext
from engine.execute.executor import ExecutionReport, Executor
from engine.history.model import ReleaseKind, ReleaseStatus, StepStatus
from engine.observe.types import ObservedState
from engine.plan.plan import Plan, plan_to_json
from engine.plan.steps import Step, describe
from engine.ports import Clock, DockerGateway, ExecutionListener, HistoryStore
from engine.usecases.lock import AppLock


@dataclass(frozen=True)
class ReleaseInput:
    """A plan and what apply needs beside it (its spec text for the snapshot, Dockerfiles for builds)."""

    plan: Plan
    spec_text: str
    dockerfiles: Mapping[str, str]
    environ: Mapping[str, str] | None = None
    kind: ReleaseKind = ReleaseKind.APPLY
    rollback_of: int | None = None
    # service → (image reference, its ID when the engine had it at plan time): what the history records as the
    # images the release ran, completed by the IDs of images the release itself built or pulled.
    images: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class ReleaseOutcome:
    revision: int
    status: ReleaseStatus
    report: ExecutionReport


class HistoryJournal:
    """The executor's journal, written to the release history (each write is its own committed transaction)."""

    def __init__(self, store: HistoryStore, app: str, env: str, revision: int) -> None:
        self.store, self.app, self.env, self.revision = store, app, env, revision

    def started(self, seq: int, step: Step) -> None:
        self.store.step_started(self.app, self.env, self.revision, seq=seq, step_id=step.id, kind=step.kind,
                                service=step.service, cause=step.cause)

    def finished(self, seq: int, step: Step, ok: bool, detail: str) -> None:
        status = StepStatus.DONE if ok else StepStatus.FAILED
        self.store.step_finished(self.app, self.env, self.revision, seq=seq, status=status, detail=detail)

    def undone(self, seq: int, step: Step) -> None:
        self.store.step_finished(self.app, self.env, self.revision, seq=seq, status=StepStatus.UNDONE,
                                 detail=f"undone: {describe(step)}")


def close_interrupted(store: HistoryStore, app: str, env: str) -> list[int]:
    """Close releases left pending by a killed shipspec as failed; the next plan converges from what is there."""
    closed = []
    for record in store.pending(app, env):
        store.finish_release(app, env, record.revision, status=ReleaseStatus.FAILED,
                             error="interrupted: shipspec stopped before this release finished")
        closed.append(record.revision)
    return closed


def recover(lock: AppLock, store: HistoryStore, listener: ExecutionListener, app: str, env: str) -> None:
    """Once the lock is held: say whose dead lock was broken, and close what a killed shipspec left pending."""
    if lock.recovered is not None:
        listener.on_event(LockRecovered(lock.recovered.lock_id, lock.recovered.pid))
    for revision in close_interrupted(store, app, env):
        listener.on_event(InterruptedClosed(revision))


def check_fresh(plan: Plan, observed: ObservedState, spec_hash_now: str) -> None:
    """Refuse a plan made against another engine state or another spec, naming what changed."""
    reasons = plan.stale_reasons(observed, spec_hash_now)
    if reasons:
        listed = "; ".join(reasons[:8]) + ("; …" if len(reasons) > 8 else "")
        raise PlanError(f"the plan is stale, the engine or the spec changed since it was made: {listed}. "
                        "Run `shipspec plan` again.")


def run_release(
    release: ReleaseInput,
    gateway: DockerGateway,
    store: HistoryStore,
    listener: ExecutionListener,
    clock: Clock,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    rollback: bool = True,
) -> ReleaseOutcome:
    """Record and execute one release; the caller holds the app's lock."""
    plan = release.plan
    revision = store.begin_release(
        app=plan.app, env=plan.env, kind=release.kind, spec_hash=plan.spec_hash, spec_snapshot=release.spec_text,
        plan_json=plan_to_json(plan), image_ids={},
        artifact_hashes={tag: hashlib.sha256(text.encode()).hexdigest() for tag, text in release.dockerfiles.items()},
        rollback_of=release.rollback_of, operator=_operator(), revision=plan.revision,
    )
    ctx = StepContext(gateway, clock, release.dockerfiles, release.environ)
    executor = Executor(ctx, listener, HistoryJournal(store, plan.app, plan.env, revision),
                        parallelism=parallelism, rollback=rollback)
    report = executor.execute(plan)
    status = _status(report, release.kind)
    error = report.error + ("; rollback: " + "; ".join(report.rollback_problems) if report.rollback_problems else "")
    images = {svc: found for svc, (ref, known) in release.images.items() if (found := ctx.resolved.get(ref, known))}
    store.finish_release(plan.app, plan.env, revision, status=status, error=error, image_ids=images)
    return ReleaseOutcome(revision, status, report)


def _status(report: ExecutionReport, kind: ReleaseKind) -> ReleaseStatus:
    if report.ok:
        return ReleaseStatus.DESTROYED if kind is ReleaseKind.DESTROY else ReleaseStatus.DEPLOYED
    if report.rolled_back and report.rollback_ok:
        return ReleaseStatus.ROLLED_BACK
    return ReleaseStatus.FAILED


def _operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"{user}@{socket.gethostname()}"
