"""An in-memory ``HistoryStore``: the SQLite store's behaviour (revisions, superseding, pruning) without a file.

The real store is tested against a real SQLite file in tests/history; use cases are tested against this one.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.errors import HistoryError
from engine.history.model import (
    ReleaseKind,
    ReleaseRecord,
    ReleaseStatus,
    Stats,
    StepRecord,
    StepStatus,
    stats_of,
)
from engine.testing.clock import FakeClock

if TYPE_CHECKING:
    from engine.ports import Clock, HistoryStore


@dataclass
class InMemoryHistoryStore:
    clock: Clock = field(default_factory=FakeClock)
    records: dict[tuple[str, str, int], ReleaseRecord] = field(default_factory=dict)
    step_rows: dict[tuple[str, str, int], dict[int, StepRecord]] = field(default_factory=dict)
    _mutex: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the executor journals from threads

    def begin_release(
        self, *, app: str, env: str, kind: ReleaseKind, spec_hash: str, spec_snapshot: str, plan_json: str,
        image_ids: dict[str, str], artifact_hashes: dict[str, str], rollback_of: int | None = None,
        operator: str = "", revision: int | None = None,
    ) -> int:
        with self._mutex:
            revision = max(self._top(app, env) + 1, revision or 0)
            self.records[(app, env, revision)] = ReleaseRecord(
                revision, app, env, kind, ReleaseStatus.PENDING, self.clock.now(), None, spec_hash, spec_snapshot,
                dict(image_ids), dict(artifact_hashes), plan_json, rollback_of, "", operator,
            )
        return revision

    def step_started(
        self, app: str, env: str, revision: int, *, seq: int, step_id: str, kind: str, service: str, cause: str
    ) -> None:
        with self._mutex:
            row = StepRecord(revision, seq, step_id, kind, service, cause, StepStatus.STARTED, self.clock.now(), None)
            self.step_rows.setdefault((app, env, revision), {})[seq] = row

    def step_finished(
        self, app: str, env: str, revision: int, *, seq: int, status: StepStatus, detail: str = ""
    ) -> None:
        with self._mutex:
            rows = self.step_rows.setdefault((app, env, revision), {})
            if seq in rows:
                rows[seq] = dataclasses.replace(rows[seq], status=status, finished_at=self.clock.now(), detail=detail)

    def finish_release(
        self, app: str, env: str, revision: int, *, status: ReleaseStatus, error: str = "",
        image_ids: dict[str, str] | None = None,
    ) -> None:
        if status is ReleaseStatus.PENDING:
            raise ValueError("a release is finished with a final status")
        with self._mutex:
            if status in (ReleaseStatus.DEPLOYED, ReleaseStatus.DESTROYED):
                for key, record in self.records.items():
                    if key[:2] == (app, env) and record.status is ReleaseStatus.DEPLOYED and key[2] != revision:
                        self.records[key] = dataclasses.replace(record, status=ReleaseStatus.SUPERSEDED)
            record = self.records[(app, env, revision)]
            self.records[(app, env, revision)] = dataclasses.replace(
                record, status=status, finished_at=self.clock.now(), error=error,
                image_ids=dict(image_ids) if image_ids is not None else record.image_ids,
            )

    def prune(self, app: str, env: str, keep: int) -> list[int]:
        if keep < 1:
            raise ValueError("keep at least one release")
        rows = self.releases(app, env)
        last = next((r.revision for r in rows if r.status is ReleaseStatus.DEPLOYED), None)
        doomed = [r.revision for r in rows[keep:] if r.revision != last and r.status is not ReleaseStatus.PENDING]
        for revision in doomed:
            del self.records[(app, env, revision)]
        return sorted(doomed)

    def releases(self, app: str, env: str, limit: int | None = None) -> list[ReleaseRecord]:
        rows = sorted((r for k, r in self.records.items() if k[:2] == (app, env)), key=lambda r: -r.revision)
        return rows[:limit] if limit is not None else rows

    def next_revision(self, app: str, env: str) -> int:
        return self._top(app, env) + 1

    def get(self, app: str, env: str, revision: int) -> ReleaseRecord:
        if (app, env, revision) not in self.records:
            raise HistoryError(f"{app} ({env or 'base'}) has no revision {revision}")
        return self.records[(app, env, revision)]

    def last_deployed(self, app: str, env: str) -> ReleaseRecord | None:
        return next((r for r in self.releases(app, env) if r.status is ReleaseStatus.DEPLOYED), None)

    def pending(self, app: str, env: str) -> list[ReleaseRecord]:
        return sorted((r for r in self.releases(app, env) if r.status is ReleaseStatus.PENDING),
                      key=lambda r: r.revision)

    def steps(self, app: str, env: str, revision: int) -> list[StepRecord]:
        return [row for _seq, row in sorted(self.step_rows.get((app, env, revision), {}).items())]

    def stats(self, app: str, env: str, last: int | None = None) -> Stats:
        records = self.releases(app, env, last)
        means: dict[str, list[float]] = {}
        for record in records:
            for row in self.steps(app, env, record.revision):
                if row.finished_at is not None:
                    means.setdefault(row.kind, []).append(row.finished_at - row.started_at)
        slow = sorted(((k, sum(v) / len(v)) for k, v in means.items()), key=lambda kv: -kv[1])[:5]
        return stats_of(records, slow)

    def _top(self, app: str, env: str) -> int:
        return max((k[2] for k in self.records if k[:2] == (app, env)), default=0)


if TYPE_CHECKING:
    _store: HistoryStore = InMemoryHistoryStore()
