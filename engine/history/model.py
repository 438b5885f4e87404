"""Release and step records, and the closed set of release statuses (Helm's, which users already know).

A release moves ``pending → deployed`` or ``pending → failed`` / ``pending → rolled_back`` (a destroy:
``pending → destroyed``); a deployed release becomes ``superseded`` only when a newer one is deployed (never before
the new one is healthy) or the app is destroyed. Rows are never deleted
except by pruning, which always keeps the last deployed release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class ReleaseStatus(StrEnum):
    PENDING = "pending"
    DEPLOYED = "deployed"
    SUPERSEDED = "superseded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    DESTROYED = "destroyed"  # a destroy that finished: nothing of the app runs, the last deployed is superseded


class ReleaseKind(StrEnum):
    """What made a release: an apply, a rollback (re-applying a recorded release) or a destroy."""

    APPLY = "apply"
    ROLLBACK = "rollback"
    DESTROY = "destroy"


class StepStatus(StrEnum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    UNDONE = "undone"  # compensated by a rollback


@dataclass(frozen=True, slots=True)
class ReleaseRecord:
    revision: int
    app: str
    env: str
    kind: ReleaseKind
    status: ReleaseStatus
    started_at: float
    finished_at: float | None
    spec_hash: str
    spec_snapshot: str  # the validated spec as YAML text (secret references only, never values)
    image_ids: dict[str, str]  # service → image ID the release ran
    artifact_hashes: dict[str, str]
    plan_json: str
    rollback_of: int | None = None  # for kind "rollback": the revision it re-applied
    error: str = ""
    operator: str = ""

    @property
    def duration(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at


def stats_of(records: Sequence[ReleaseRecord], slowest_steps: Sequence[tuple[str, float]]) -> Stats:
    """Deployment metrics over ``records`` (newest first), whichever store they were read from."""
    finished = [r for r in records if r.status is not ReleaseStatus.PENDING and r.kind is not ReleaseKind.DESTROY]
    durations = sorted(d for r in finished if (d := r.duration) is not None)
    ok = (ReleaseStatus.DEPLOYED, ReleaseStatus.SUPERSEDED)
    return Stats(
        releases=len(records),
        deployed=sum(r.status in ok for r in finished),
        failed=sum(r.status is ReleaseStatus.FAILED for r in finished),
        rolled_back=sum(r.status is ReleaseStatus.ROLLED_BACK for r in finished),
        rollbacks_requested=sum(r.kind is ReleaseKind.ROLLBACK for r in records),
        mean_duration=sum(durations) / len(durations) if durations else None,
        p95_duration=durations[min(len(durations) - 1, int(0.95 * len(durations)))] if durations else None,
        slowest_steps=tuple(slowest_steps),
    )


@dataclass(frozen=True, slots=True)
class StepRecord:
    revision: int
    seq: int
    step_id: str
    kind: str
    service: str
    cause: str
    status: StepStatus
    started_at: float
    finished_at: float | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Stats:
    """Deployment metrics over a window of releases."""

    releases: int
    deployed: int
    failed: int
    rolled_back: int
    rollbacks_requested: int
    mean_duration: float | None
    p95_duration: float | None
    slowest_steps: tuple[tuple[str, float], ...]  # (step kind, mean seconds)

    @property
    def success_rate(self) -> float:
        finished = self.deployed + self.failed + self.rolled_back
        return self.deployed / finished if finished else 0.0

    @property
    def rollback_rate(self) -> float:
        finished = self.deployed + self.failed + self.rolled_back
        return self.rolled_back / finished if finished else 0.0
