"""The apply lock as the use cases take it, on the fake gateway's lock store and the fake clock: held by a live
operator (refused, naming the holder), waited for (the fake clock's sleeps), recovered from a holder that died."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from engine.errors import LockError
from engine.events import LockRecovered
from engine.testing import FakeClock
from engine.usecases.apply import apply
from engine.usecases.lock import HOLDER_LABEL, AppLock, lock_name
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
