"""status and plan while another process's apply holds the lock: its pending release is running, not interrupted,
and what it has under temporary names is its work in progress; once its holder is dead, both say interrupted."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

from engine.history.model import ReleaseKind
from engine.usecases.apply import apply
from engine.usecases.lock import HOLDER_LABEL, AppLock, lock_name, read_lock
from engine.usecases.prepare import prepare
from engine.usecases.status import status
from tests.usecases.kit import APP, World, write_spec


def _mid_apply(tmp_path: Path) -> tuple[World, AppLock, int]:
    """Revision 1 deployed; another process holds the lock, has begun revision 2 and started web-1's
    replacement under its temporary name."""
    world = World(write_spec(tmp_path))
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None and outcome.deployed.ok
    holder = AppLock(world.gateway, APP, "", command="shipspec apply --yes", clock=world.clock)
    holder.acquire()
    revision = world.history.begin_release(app=APP, env="", kind=ReleaseKind.APPLY, spec_hash="sha256:next",
                                           spec_snapshot="", plan_json="{}", image_ids={}, artifact_hashes={})
    web1 = world.gateway.by_name("shop-web-1")
    world.gateway.add_container(dataclasses.replace(web1, id="next-1", name="shop-web-1-next", revision=revision,
                                                    config_hash="sha256:" + "9" * 64))
    return world, holder, revision


def _kill(world: World, holder: AppLock) -> None:
    """The holder's process dies (kill -9): its lease stays fresh, but its pid is gone."""
    holder._stop.set()
    child = subprocess.Popen(["true"])
    child.wait()
    object_id, labels, lease = world.gateway.locks[lock_name(APP, "")]
    dead = json.loads(labels[HOLDER_LABEL]) | {"pid": child.pid}
    world.gateway.locks[lock_name(APP, "")] = (object_id, {**labels, HOLDER_LABEL: json.dumps(dead)}, lease)


def test_status_during_another_apply_names_it_running_not_interrupted(tmp_path: Path) -> None:
    world, holder, revision = _mid_apply(tmp_path)
    report = status(world.valid(), world.c, world.options)
    assert report.running == (revision,) and report.interrupted == ()
    assert report.lock is not None and report.lock.running(world.clock.now())
    described = report.lock.describe(world.clock.now())
    assert "`shipspec apply --yes`" in described and "lease is fresh" in described and "since " in described
    assert report.drift and not any("interrupted" in line for line in report.drift)
    assert any("duplicate of replica slot 1 (left by the apply running now)" in line for line in report.drift)
    holder.release()


def test_a_plan_during_another_apply_calls_its_containers_work_in_progress(tmp_path: Path) -> None:
    world, holder, _revision = _mid_apply(tmp_path)
    running = prepare(world.valid(), world.gateway, world.options, 3, apply_running=True).plan
    causes = [cause for change in running.changes for cause in change.causes]
    assert "duplicate of replica slot 1 (left by the apply running now)" in causes
    assert not any("interrupted" in cause for cause in causes)
    holder.release()


def test_after_a_kill_9_status_says_interrupted_and_the_dead_pid_is_not_a_fresh_lease(tmp_path: Path) -> None:
    world, holder, revision = _mid_apply(tmp_path)
    _kill(world, holder)
    report = status(world.valid(), world.c, world.options)
    assert report.interrupted == (revision,) and report.running == ()
    lock = read_lock(world.gateway, lock_name(APP, ""))
    assert lock is not None and not lock.stale(world.clock.now()) and not lock.running(world.clock.now())
    described = lock.describe(world.clock.now())
    assert "lease is fresh" not in described and "no longer runs on this host" in described
    assert any("duplicate of replica slot 1 (left by an interrupted apply)" in line for line in report.drift)
