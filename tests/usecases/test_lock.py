"""The apply lock as the use cases take it, on the fake gateway's lock store and the fake clock: held by a live
operator (refused, naming the holder), waited for (the fake clock's sleeps), recovered from a holder that died."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from engine import labels as L
from engine.errors import LockError, PlanError
from engine.events import LockRecovered, LockWaiting, RecordingListener, ReleaseStarting, Replanned
from engine.plan.plan import Plan
from engine.testing import FakeClock
from engine.usecases.apply import apply
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.deploy import deploy
from engine.usecases.lock import HOLDER_LABEL, AppLock, lock_name
from engine.usecases.prepare import prepare
from tests.usecases.kit import APP, World, write_spec


def test_a_lock_held_by_a_live_operator_refuses_apply_and_names_the_holder(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    prepared = world.prepare()
    with (
        AppLock(world.gateway, APP, "", command="shipspec apply (the other operator)", clock=world.clock),
        pytest.raises(LockError, match=r"another operation holds shipspec-lock-shop: .*the other operator"),
    ):
        apply(prepared, world.c, world.options, world.settings())
    assert world.history.releases(APP, "") == []
    assert not world.gateway.calls_to("create_container")


def test_apply_waits_for_the_lock_until_its_holder_releases_it(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    other = AppLock(world.gateway, APP, "", clock=world.clock)
    other.acquire()

    class ReleasingClock(FakeClock):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            if self.monotonic() - 1000.0 >= 3.0 and other.lock_id in str(world.gateway.locks):
                other.release()  # the other operator finishes after about three seconds

    clock = ReleasingClock()
    world.clock = clock
    world.c = type(world.c)(world.gateway, world.history, clock, world.listener)
    outcome = apply(world.prepare(), world.c, world.options, world.settings(lock_timeout_s=30))
    assert outcome.deployed is not None and outcome.deployed.ok
    waited = [s for s in clock.sleeps if s >= 0.05]
    assert waited and 3.0 <= sum(waited) < 30
    assert lock_name(APP, "") not in world.gateway.locks  # released again after the apply


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_lock_whose_holder_died_on_this_host_is_recovered(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    crashed = AppLock(world.gateway, APP, "", clock=world.clock)
    crashed.acquire()
    crashed._stop.set()  # its process "dies": no more lease renewals, nobody releases it
    object_id, labels, lease = world.gateway.locks[lock_name(APP, "")]
    holder = json.loads(labels[HOLDER_LABEL]) | {"pid": _dead_pid()}
    world.gateway.locks[lock_name(APP, "")] = (object_id, {**labels, HOLDER_LABEL: json.dumps(holder)}, lease)
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None and outcome.deployed.ok
    recovered = [e for e in world.listener.events if isinstance(e, LockRecovered)]
    assert [(e.lock_id, e.pid) for e in recovered] == [(crashed.lock_id, holder["pid"])]


class _OtherApply(FakeClock):
    """A clock whose sleeps are the waiter's: after three seconds of them, the operator holding the lock runs an
    apply of its own spec (it changes the engine) and releases the lock."""

    def __init__(self, world: World, other_spec: Path) -> None:
        super().__init__()
        self.world, self.other_spec, self.done = world, other_spec, False
        self.holder = AppLock(world.gateway, APP, "", command="shipspec apply (the other operator)", clock=self)
        self.holder.acquire()

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if self.monotonic() - 1000.0 >= 3.0 and not self.done:
            self.done = True
            other = World(self.other_spec)
            c = Collaborators(self.world.gateway, self.world.history, self, RecordingListener())
            prepared = prepare(other.valid(), self.world.gateway, other.options,
                               self.world.history.next_revision(APP, ""))
            assert deploy(prepared, prepared.plan, c, other.options, ApplySettings()).ok
            self.holder.release()


def _waiting_world(tmp_path: Path) -> tuple[World, _OtherApply]:
    world = World(write_spec(tmp_path, log_level="debug"))
    (tmp_path / "other").mkdir()
    clock = _OtherApply(world, write_spec(tmp_path / "other", log_level="info"))
    world.clock = clock
    world.c = Collaborators(world.gateway, world.history, clock, world.listener)
    return world, clock


def test_a_waiting_apply_plans_again_after_another_apply_changed_things_and_converges(tmp_path: Path) -> None:
    world, clock = _waiting_world(tmp_path)
    before = world.prepare()   # planned against an empty engine, before the wait
    shown: list[Plan] = []
    outcome = apply(before, world.c, world.options, world.settings(lock_timeout_s=60), on_replan=shown.append)
    assert clock.done and outcome.deployed is not None and outcome.deployed.ok
    kinds = [type(e) for e in world.listener.events]
    assert kinds.index(LockWaiting) < kinds.index(Replanned) < kinds.index(ReleaseStarting)
    waited = next(e for e in world.listener.events if isinstance(e, LockWaiting))
    assert "the other operator" in waited.holder and waited.timeout_s == 60
    replanned = next(e for e in world.listener.events if isinstance(e, Replanned))
    assert any("created since the plan" in r for r in replanned.reasons)
    # the new plan replaced the other operator's replicas (its env) instead of creating a second set:
    assert [p.changes for p in shown] == [outcome.plan.changes] and outcome.plan != before.plan
    assert not world.prepare().plan.has_changes
    web = [c for c in world.gateway.observe(APP).containers if c.service == "web"]
    assert sorted(c.slot for c in web) == [1, 2, 3]
    assert all('"LOG_LEVEL":"debug"' in c.labels[L.CONFIG] for c in web)


def test_a_waiting_saved_plan_is_refused_naming_what_the_other_apply_changed(tmp_path: Path) -> None:
    world, clock = _waiting_world(tmp_path)
    saved = world.prepare().plan
    with pytest.raises(PlanError, match=r"the plan is stale.*container shop-web-1: created since the plan") as no:
        apply(world.prepare(), world.c, world.options, world.settings(lock_timeout_s=60), saved=saved)
    assert clock.done and "sha256:" not in str(no.value)
    assert not any(isinstance(e, Replanned) for e in world.listener.events)
