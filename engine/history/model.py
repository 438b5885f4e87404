"""Release and step records, and the closed set of release statuses (Helm's, which users already know).

A release moves ``pending → deployed`` or ``pending → failed`` / ``pending → rolled_back``; a deployed release becomes
``superseded`` only when a newer one is deployed (never before the new one is healthy). Rows are never deleted
except by pruning, which always keeps the last deployed release.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReleaseStatus(StrEnum):
    PENDING = "pending"
    DEPLOYED = "deployed"
    SUPERSEDED = "superseded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


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
    kind: str  # "apply" | "rollback"
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
