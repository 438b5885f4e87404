"""The release history in one SQLite file: append-only releases, a step journal, versioned migrations.

Why SQLite: one file beside the spec (or under a state dir), transactional, readable with any tool, no server.
The executor journals each step before and after it runs, in its own committed transaction, so a ``kill -9`` at any
point leaves a history that says exactly how far the apply got. Migrations are numbered SQL scripts applied in
order and tracked with ``PRAGMA user_version``; a file from a newer shipspec is refused rather than damaged.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.errors import HistoryError
from engine.history.model import ReleaseKind, ReleaseRecord, ReleaseStatus, Stats, StepRecord, StepStatus, stats_of

MIGRATIONS: tuple[str, ...] = (
    # 1: releases and their step journal.
    """
    CREATE TABLE releases (
        app TEXT NOT NULL, env TEXT NOT NULL, revision INTEGER NOT NULL,
        kind TEXT NOT NULL, status TEXT NOT NULL,
        started_at REAL NOT NULL, finished_at REAL,
        spec_hash TEXT NOT NULL, spec_snapshot TEXT NOT NULL,
        image_ids TEXT NOT NULL, artifact_hashes TEXT NOT NULL, plan_json TEXT NOT NULL,
        rollback_of INTEGER, error TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (app, env, revision)
    );
    CREATE TABLE steps (
        app TEXT NOT NULL, env TEXT NOT NULL, revision INTEGER NOT NULL, seq INTEGER NOT NULL,
        step_id TEXT NOT NULL, kind TEXT NOT NULL, service TEXT NOT NULL, cause TEXT NOT NULL,
        status TEXT NOT NULL, started_at REAL NOT NULL, finished_at REAL, detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (app, env, revision, seq),
        FOREIGN KEY (app, env, revision) REFERENCES releases (app, env, revision) ON DELETE CASCADE
    );
    """,
    # 2: who ran each release (user@host), for history and lock forensics.
    """
    ALTER TABLE releases ADD COLUMN operator TEXT NOT NULL DEFAULT '';
    CREATE INDEX releases_status ON releases (app, env, status);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SqliteHistoryStore:
    """Release history of every app recorded in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # The executor journals from its worker threads; one connection shared under a lock keeps the
            # journal's writes in order.
            self._mutex = threading.RLock()
            self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"cannot open the release history {path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path} was written by a newer shipspec (schema {version}, this one knows {SCHEMA_VERSION})"
            )
        for number in range(version, SCHEMA_VERSION):
            with self._tx() as db:
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- writing ---------------------------------------------------------------------------------------------

    def begin_release(
        self,
        *,
        app: str,
        env: str,
        kind: ReleaseKind,
        spec_hash: str,
        spec_snapshot: str,
        plan_json: str,
        image_ids: dict[str, str],
        artifact_hashes: dict[str, str],
        rollback_of: int | None = None,
        operator: str = "",
        revision: int | None = None,
    ) -> int:
        """Record a new pending release and return its revision: ``revision`` when it is above every recorded one
        (the plan's, so container labels and history agree), else one more than the app's last."""
        with self._tx() as db:
            row = db.execute("SELECT MAX(revision) FROM releases WHERE app = ? AND env = ?", (app, env)).fetchone()
            revision = max(int(row[0] or 0) + 1, revision or 0)
            db.execute(
                "INSERT INTO releases (app, env, revision, kind, status, started_at, spec_hash, spec_snapshot,"
                " image_ids, artifact_hashes, plan_json, rollback_of, operator)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    app,
                    env,
                    revision,
                    ReleaseKind(kind).value,  # a plain "apply" is accepted too
                    ReleaseStatus.PENDING.value,
                    time.time(),
                    spec_hash,
                    spec_snapshot,
                    json.dumps(image_ids, sort_keys=True),
                    json.dumps(artifact_hashes, sort_keys=True),
                    plan_json,
                    rollback_of,
                    operator,
                ),
            )
        return revision

    def step_started(
        self, app: str, env: str, revision: int, *, seq: int, step_id: str, kind: str, service: str, cause: str
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO steps (app, env, revision, seq, step_id, kind, service, cause, status,"
                " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (app, env, revision, seq, step_id, kind, service, cause, StepStatus.STARTED.value, time.time()),
            )

    def step_finished(
        self, app: str, env: str, revision: int, *, seq: int, status: StepStatus, detail: str = ""
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE steps SET status = ?, finished_at = ?, detail = ? WHERE app = ? AND env = ? AND revision = ?"
                " AND seq = ?",
                (status.value, time.time(), detail, app, env, revision, seq),
            )

    def finish_release(
        self,
        app: str,
        env: str,
        revision: int,
        *,
        status: ReleaseStatus,
        error: str = "",
        image_ids: dict[str, str] | None = None,
    ) -> None:
        """Close a release; a newly deployed one supersedes the previously deployed one in the same transaction."""
        if status is ReleaseStatus.PENDING:
            raise ValueError("a release is finished with a final status")
        with self._tx() as db:
            if status in (ReleaseStatus.DEPLOYED, ReleaseStatus.DESTROYED):
                db.execute(
                    "UPDATE releases SET status = ? WHERE app = ? AND env = ? AND status = ? AND revision <> ?",
                    (ReleaseStatus.SUPERSEDED.value, app, env, ReleaseStatus.DEPLOYED.value, revision),
                )
            if image_ids is not None:
                db.execute(
                    "UPDATE releases SET image_ids = ? WHERE app = ? AND env = ? AND revision = ?",
                    (json.dumps(image_ids, sort_keys=True), app, env, revision),
                )
            db.execute(
                "UPDATE releases SET status = ?, finished_at = ?, error = ? WHERE app = ? AND env = ? AND revision = ?",
                (status.value, time.time(), error, app, env, revision),
            )

    def prune(self, app: str, env: str, keep: int) -> list[int]:
        """Delete all but the newest ``keep`` releases, never the last deployed one nor a pending one."""
        if keep < 1:
            raise ValueError("keep at least one release")
        with self._tx() as db:
            rows = db.execute(
                "SELECT revision, status FROM releases WHERE app = ? AND env = ? ORDER BY revision DESC", (app, env)
            ).fetchall()
            last_deployed = next((r for r, s in rows if s == ReleaseStatus.DEPLOYED.value), None)
            doomed = [r for r, s in rows[keep:] if r != last_deployed and s != ReleaseStatus.PENDING.value]
            db.executemany(
                "DELETE FROM releases WHERE app = ? AND env = ? AND revision = ?", [(app, env, r) for r in doomed]
            )
        return sorted(doomed)

    # -- reading ---------------------------------------------------------------------------------------------

    def releases(self, app: str, env: str, limit: int | None = None) -> list[ReleaseRecord]:
        sql = "SELECT * FROM releases WHERE app = ? AND env = ? ORDER BY revision DESC"
        params: tuple[Any, ...] = (app, env)
        if limit is not None:
            sql += " LIMIT ?"
            params = (app, env, limit)
        return [_release(row) for row in self._rows(sql, params)]

    def next_revision(self, app: str, env: str) -> int:
        rows = self._rows("SELECT MAX(revision) AS top FROM releases WHERE app = ? AND env = ?", (app, env))
        return int(rows[0]["top"] or 0) + 1

    def get(self, app: str, env: str, revision: int) -> ReleaseRecord:
        rows = self._rows("SELECT * FROM releases WHERE app = ? AND env = ? AND revision = ?", (app, env, revision))
        if not rows:
            raise HistoryError(f"{app} ({env or 'base'}) has no revision {revision}")
        return _release(rows[0])

    def last_deployed(self, app: str, env: str) -> ReleaseRecord | None:
        rows = self._rows(
            "SELECT * FROM releases WHERE app = ? AND env = ? AND status = ? ORDER BY revision DESC LIMIT 1",
            (app, env, ReleaseStatus.DEPLOYED.value),
        )
        return _release(rows[0]) if rows else None

    def pending(self, app: str, env: str) -> list[ReleaseRecord]:
        """Releases left open by an interrupted shipspec (crash, kill -9)."""
        rows = self._rows(
            "SELECT * FROM releases WHERE app = ? AND env = ? AND status = ? ORDER BY revision",
            (app, env, ReleaseStatus.PENDING.value),
        )
        return [_release(row) for row in rows]

    def steps(self, app: str, env: str, revision: int) -> list[StepRecord]:
        rows = self._rows(
            "SELECT * FROM steps WHERE app = ? AND env = ? AND revision = ? ORDER BY seq", (app, env, revision)
        )
        return [
            StepRecord(
                r["revision"],
                r["seq"],
                r["step_id"],
                r["kind"],
                r["service"],
                r["cause"],
                StepStatus(r["status"]),
                r["started_at"],
                r["finished_at"],
                r["detail"],
            )
            for r in rows
        ]

    def stats(self, app: str, env: str, last: int | None = None) -> Stats:
        """Deploy duration, success, failure and rollback rates and the slowest step kinds."""
        records = self.releases(app, env, last)
        revisions = [r.revision for r in records]
        slow: list[tuple[str, float]] = []
        if revisions:
            marks = ",".join("?" * len(revisions))
            slow = [
                (row["kind"], float(row["mean"]))
                for row in self._rows(
                    f"SELECT kind, AVG(finished_at - started_at) AS mean FROM steps WHERE app = ? AND env = ? AND"
                    f" revision IN ({marks}) AND finished_at IS NOT NULL GROUP BY kind ORDER BY mean DESC LIMIT 5",
                    (app, env, *revisions),
                )
            ]
        return stats_of(records, slow)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._mutex:
            cursor = self._db.cursor()
            cursor.row_factory = sqlite3.Row
            return list(cursor.execute(sql, params).fetchall())


def _release(row: sqlite3.Row) -> ReleaseRecord:
    return ReleaseRecord(
        revision=row["revision"],
        app=row["app"],
        env=row["env"],
        kind=ReleaseKind(row["kind"]),
        status=ReleaseStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        spec_hash=row["spec_hash"],
        spec_snapshot=row["spec_snapshot"],
        image_ids=json.loads(row["image_ids"]),
        artifact_hashes=json.loads(row["artifact_hashes"]),
        plan_json=row["plan_json"],
        rollback_of=row["rollback_of"],
        error=row["error"],
        operator=row["operator"],
    )
