"""Apply a plan as a recorded release: lock, re-check the engine, journal every step, close the release.

Order matters for safety: the lock is taken before the engine is re-observed, so nobody changes it between the
staleness check and the first step; the release row is written (pending) before the first step, so a crash leaves
a pending release that the next command closes as failed ("interrupted") before it plans again.
"""

from __future__ import annotations

import getpass
import hashlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.errors import PlanError
from engine.events import ExecutionListener
from engine.execute.dispatch import StepContext
from engine.execute.executor import ExecutionReport, Executor
from engine.history.model import ReleaseStatus, StepStatus
from engine.history.sqlite import SqliteHistoryStore
from engine.plan.plan import Plan, plan_to_json
from engine.plan.steps import Step, describe
from engine.ports import Clock, DockerGateway


@dataclass(frozen=True)
class ReleaseInput:
    """A plan and what apply needs beside it (its spec text for the snapshot, Dockerfiles for builds)."""

    plan: Plan
    spec_text: str
    dockerfiles: Mapping[str, str]
    environ: Mapping[str, str] | None = None
    kind: str = "apply"
    rollback_of: int | None = None


@dataclass(frozen=True)
class ReleaseOutcome:
    revision: int
    status: ReleaseStatus
    report: ExecutionReport


class HistoryJournal:
    """The executor's journal, written to the release history (each write is its own committed transaction)."""

    def __init__(self, store: SqliteHistoryStore, app: str, env: str, revision: int) -> None:
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


def close_interrupted(store: SqliteHistoryStore, app: str, env: str) -> list[int]:
    """Close releases left pending by a killed shipspec as failed; the next plan converges from what is there."""
    closed = []
    for record in store.pending(app, env):
        store.finish_release(app, env, record.revision, status=ReleaseStatus.FAILED,
                             error="interrupted: shipspec stopped before this release finished")
        closed.append(record.revision)
    return closed


def check_fresh(plan: Plan, gateway: DockerGateway, spec_hash_now: str, image_refs: list[str]) -> None:
    """Refuse a plan made against another engine state or another spec, naming what changed."""
    observed = gateway.observe(plan.app, image_refs)
    reasons = plan.stale_reasons(observed, spec_hash_now)
    if reasons:
        listed = "; ".join(reasons[:8]) + ("; …" if len(reasons) > 8 else "")
        raise PlanError(f"the plan is stale, the engine or the spec changed since it was made: {listed}. "
                        "Run `shipspec plan` again.")


def run_release(
    release: ReleaseInput,
    gateway: DockerGateway,
    store: SqliteHistoryStore,
    listener: ExecutionListener,
    clock: Clock,
    *,
    parallelism: int = 4,
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
    if report.ok:
        status = ReleaseStatus.DEPLOYED
    elif report.rolled_back and report.rollback_ok:
        status = ReleaseStatus.ROLLED_BACK
    else:
        status = ReleaseStatus.FAILED
    error = report.error + ("; rollback: " + "; ".join(report.rollback_problems) if report.rollback_problems else "")
    store.finish_release(plan.app, plan.env, revision, status=status, error=error,
                         image_ids=_image_ids(gateway, plan.app))
    return ReleaseOutcome(revision, status, report)


def _image_ids(gateway: DockerGateway, app: str) -> dict[str, str]:
    """service → image ID its running containers use now (what `rollback` pins a past release to)."""
    observed = gateway.observe(app)
    return {c.service: c.image_id for c in sorted(observed.containers, key=lambda c: c.slot)}


def _operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"{user}@{socket.gethostname()}"


def spec_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
