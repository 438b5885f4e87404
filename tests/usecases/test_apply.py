"""The apply use case against the shipped fakes: one observe each side of the lock, the validated text kept, the
health-gate and rollback deadlines on the fake clock, and the two-layer rollback. No engine, no sleeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.events import ReleaseStarting, RestoreStarted
from engine.history.model import ReleaseKind, ReleaseStatus
from engine.observe.types import Health
from engine.testing import FakeGateway
from engine.usecases.apply import apply
from tests.usecases.kit import APP, World, write_spec


def _deploy(world: World) -> None:
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None and outcome.deployed.ok, outcome


def test_apply_observes_once_before_and_once_after_the_lock_and_keeps_the_validated_text(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    validated = world.spec.read_text(encoding="utf-8")
    prepared = world.prepare()
    assert world.observes() == 1
    world.spec.write_text("edited after validation: not what was applied\n", encoding="utf-8")
    outcome = apply(prepared, world.c, world.options, world.settings())
    assert outcome.deployed is not None and outcome.deployed.ok
    assert world.observes() == 2
    record = world.history.get(APP, "", outcome.deployed.release.revision)
    assert (record.kind, record.status, record.spec_snapshot) == (ReleaseKind.APPLY, ReleaseStatus.DEPLOYED, validated)
    assert record.image_ids == {"db": world.gateway.images["busybox:1.36"], "web": world.gateway.images["busybox:1.36"]}
    assert any(isinstance(e, ReleaseStarting) for e in world.listener.events)
    world.spec.write_text(validated, encoding="utf-8")
    assert not world.prepare().plan.has_changes


def test_the_health_gate_deadline_runs_on_the_fake_clock(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    world.gateway.health_on_start = Health.STARTING  # never turns healthy
    began = world.clock.monotonic()
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None
    release = outcome.deployed.release
    assert release.status is ReleaseStatus.ROLLED_BACK
    assert "not healthy after 120s" in release.report.error  # db's deadline: the default 2m
    assert world.clock.monotonic() - began >= 120
    assert not [c for c in world.gateway.containers.values() if c.service in ("db", "web")]


def _fail_second_batch(world: World) -> None:
    """The changed web rolls out one replica at a time: its second new replica fails to start."""
    world.spec = write_spec(world.spec.parent, log_level="debug")
    world.gateway.fail_on("start", nth=2)


def test_a_failed_rollout_is_compensated_then_the_last_release_is_re_applied(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    _deploy(world)
    _fail_second_batch(world)
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None and not outcome.deployed.ok
    failed, restored = outcome.deployed.release, outcome.deployed.restored
    assert failed.report.rolled_back and failed.report.rollback_ok  # layer 1: the executor undid its own steps
    assert restored is not None and restored.status is ReleaseStatus.DEPLOYED  # layer 2: revision 1 re-applied
    record = world.history.get(APP, "", restored.revision)
    assert (record.kind, record.rollback_of) == (ReleaseKind.ROLLBACK, 1)
    assert [(e.revision, e.failed) for e in world.listener.events if isinstance(e, RestoreStarted)] == [(1, 2)]
    envs = {c.name: world.gateway.created_specs[c.id].env["LOG_LEVEL"]
            for c in world.gateway.containers.values() if c.service == "web"}
    assert envs == {f"{APP}-web-{slot}": "info" for slot in (1, 2, 3)}


def test_the_rollback_deadline_stops_compensation_on_the_fake_clock(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    _deploy(world)
    _fail_second_batch(world)

    class SlowRemovals(FakeGateway):
        def remove(self, container_id: str) -> None:
            super().remove(container_id)
            world.clock.advance(200)  # beyond the 120 s rollback deadline

    slow = SlowRemovals(images=world.gateway.images, containers=world.gateway.containers,
                        networks=world.gateway.networks, volumes=world.gateway.volumes,
                        created_specs=world.gateway.created_specs)
    slow.fail_on("start", nth=2)
    world.c = type(world.c)(slow, world.history, world.clock, world.listener)
    world.gateway = slow
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None
    release = outcome.deployed.release
    assert release.status is ReleaseStatus.FAILED and outcome.deployed.restored is None
    assert any("rollback deadline passed" in p for p in release.report.rollback_problems)


def test_without_rollback_a_failure_is_left_as_it_is(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    _deploy(world)
    _fail_second_batch(world)
    outcome = apply(world.prepare(), world.c, world.options, world.settings(rollback=False))
    assert outcome.deployed is not None
    assert outcome.deployed.release.status is ReleaseStatus.FAILED
    assert outcome.deployed.restored is None and not outcome.deployed.release.report.rolled_back


@pytest.mark.parametrize("parallelism", [1, 16])
def test_parallelism_does_not_change_the_outcome(tmp_path: Path, parallelism: int) -> None:
    world = World(write_spec(tmp_path))
    outcome = apply(world.prepare(), world.c, world.options, world.settings(parallelism=parallelism))
    assert outcome.deployed is not None and outcome.deployed.ok
