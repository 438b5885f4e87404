"""The release history against a real SQLite file: numbering, supersession, pruning, migrations, stats."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.errors import HistoryError
from engine.history.model import ReleaseStatus, StepStatus
from engine.history.sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteHistoryStore


@pytest.fixture
def store(tmp_path: Path) -> SqliteHistoryStore:
    return SqliteHistoryStore(tmp_path / "state" / "history.db")


def _begin(store: SqliteHistoryStore, app: str = "shop", env: str = "prod", **kw: object) -> int:
    args: dict[str, object] = {
        "app": app, "env": env, "kind": "apply", "spec_hash": "h", "spec_snapshot": "version: 1\n",
        "plan_json": "{}", "image_ids": {"web": "sha256:1"}, "artifact_hashes": {},
    }
    args.update(kw)
    return store.begin_release(**args)  # type: ignore[arg-type]


def test_revisions_count_up_per_app_and_environment(store: SqliteHistoryStore) -> None:
    assert [_begin(store), _begin(store), _begin(store, env="staging"), _begin(store, app="docs")] == [1, 2, 1, 1]


def test_a_deployed_release_supersedes_the_previous_one_only_when_it_is_deployed(store: SqliteHistoryStore) -> None:
    first = _begin(store)
    store.finish_release("shop", "prod", first, status=ReleaseStatus.DEPLOYED)
    second = _begin(store)
    assert store.get("shop", "prod", first).status is ReleaseStatus.DEPLOYED  # still serving while 2 is pending
    store.finish_release("shop", "prod", second, status=ReleaseStatus.FAILED, error="web: health gate timed out")
    assert store.get("shop", "prod", first).status is ReleaseStatus.DEPLOYED
    third = _begin(store)
    store.finish_release("shop", "prod", third, status=ReleaseStatus.DEPLOYED)
    statuses = {r.revision: r.status for r in store.releases("shop", "prod")}
    assert statuses == {1: ReleaseStatus.SUPERSEDED, 2: ReleaseStatus.FAILED, 3: ReleaseStatus.DEPLOYED}
    last = store.last_deployed("shop", "prod")
    assert last is not None and last.revision == 3
    assert store.get("shop", "prod", 2).error == "web: health gate timed out"


def test_rollback_is_a_new_revision_that_names_its_source(store: SqliteHistoryStore) -> None:
    one = _begin(store, image_ids={"web": "sha256:old"})
    store.finish_release("shop", "prod", one, status=ReleaseStatus.DEPLOYED)
    two = _begin(store, image_ids={"web": "sha256:new"})
    store.finish_release("shop", "prod", two, status=ReleaseStatus.DEPLOYED)
    source = store.get("shop", "prod", one)
    three = _begin(store, kind="rollback", rollback_of=one, image_ids=source.image_ids)
    store.finish_release("shop", "prod", three, status=ReleaseStatus.DEPLOYED)
    record = store.get("shop", "prod", three)
    assert (record.revision, record.kind, record.rollback_of, record.image_ids) == (3, "rollback", 1,
                                                                                    {"web": "sha256:old"})
    assert store.get("shop", "prod", two).status is ReleaseStatus.SUPERSEDED


def test_pruning_keeps_the_newest_and_never_the_last_deployed_or_a_pending_one(store: SqliteHistoryStore) -> None:
    deployed = _begin(store)
    store.finish_release("shop", "prod", deployed, status=ReleaseStatus.DEPLOYED)
    for _ in range(4):
        rev = _begin(store)
        store.finish_release("shop", "prod", rev, status=ReleaseStatus.FAILED)
    _begin(store)  # 6: pending
    removed = store.prune("shop", "prod", keep=2)
    assert removed == [2, 3, 4]
    assert [r.revision for r in store.releases("shop", "prod")] == [6, 5, 1]
    with pytest.raises(ValueError):
        store.prune("shop", "prod", keep=0)


def test_the_step_journal_survives_a_crash_and_shows_the_interrupted_release(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = SqliteHistoryStore(path)
    rev = _begin(store)
    store.step_started("shop", "prod", rev, seq=1, step_id="s1", kind="create", service="web", cause="new")
    store.step_finished("shop", "prod", rev, seq=1, status=StepStatus.DONE)
    store.step_started("shop", "prod", rev, seq=2, step_id="s2", kind="start", service="web", cause="new")
    del store  # no close(): what a kill -9 leaves behind
    reopened = SqliteHistoryStore(path)
    (pending,) = reopened.pending("shop", "prod")
    assert pending.revision == rev
    steps = reopened.steps("shop", "prod", rev)
    assert [(s.step_id, s.status) for s in steps] == [("s1", StepStatus.DONE), ("s2", StepStatus.STARTED)]
    assert steps[0].finished_at is not None and steps[1].finished_at is None


def test_migrates_a_file_written_by_schema_version_1(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO releases (app, env, revision, kind, status, started_at, finished_at, spec_hash, spec_snapshot,"
        " image_ids, artifact_hashes, plan_json) VALUES ('shop', '', 1, 'apply', 'deployed', 1.0, 3.5, 'h', 's',"
        " '{}', '{}', '{}')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = SqliteHistoryStore(path)
    assert store.schema_version == SCHEMA_VERSION
    (record,) = store.releases("shop", "")
    assert (record.revision, record.status, record.operator, record.duration) == (1, ReleaseStatus.DEPLOYED, "", 2.5)


def test_refuses_a_file_from_a_newer_shipspec_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="newer shipspec"):
        SqliteHistoryStore(path)


def test_stats_give_durations_and_rates(store: SqliteHistoryStore) -> None:
    outcomes = [ReleaseStatus.DEPLOYED, ReleaseStatus.DEPLOYED, ReleaseStatus.ROLLED_BACK, ReleaseStatus.FAILED]
    for i, outcome in enumerate(outcomes):
        rev = _begin(store)
        store.step_started("shop", "prod", rev, seq=1, step_id=f"s{i}", kind="wait_healthy", service="web", cause="")
        store.step_finished("shop", "prod", rev, seq=1, status=StepStatus.DONE)
        store.finish_release("shop", "prod", rev, status=outcome)
    stats = store.stats("shop", "prod")
    assert (stats.releases, stats.deployed, stats.failed, stats.rolled_back) == (4, 2, 1, 1)
    assert stats.success_rate == 0.5 and stats.rollback_rate == 0.25
    assert stats.mean_duration is not None and stats.mean_duration >= 0
    assert [kind for kind, _ in stats.slowest_steps] == ["wait_healthy"]


def test_unknown_revision_is_a_clear_error(store: SqliteHistoryStore) -> None:
    with pytest.raises(HistoryError, match="has no revision 7"):
        store.get("shop", "prod", 7)
