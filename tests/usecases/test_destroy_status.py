"""destroy recorded in the history (and undone by rollback); status without one secret value."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import SecretError
from engine.history.model import ReleaseKind, ReleaseRecord, ReleaseStatus
from engine.plan.plan import Plan
from engine.usecases.apply import apply
from engine.usecases.destroy import destroy, plan_destroy
from engine.usecases.rollback import rollback
from engine.usecases.status import status
from tests.usecases.kit import APP, World, write_spec


def _deploy(world: World) -> int:
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None and outcome.deployed.ok
    return outcome.deployed.release.revision


def test_destroy_is_recorded_and_rollback_brings_back_what_ran_before(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    first = _deploy(world)
    planned = plan_destroy(world.c, APP, "", volumes=False)
    assert planned.kept_volumes == ("shop_data",)
    outcome = destroy(world.valid(), planned, world.c, world.settings())
    assert outcome.status is ReleaseStatus.DESTROYED
    assert not world.gateway.containers and "shop_data" in world.gateway.volumes
    records = {r.revision: r for r in world.history.releases(APP, "")}
    assert (records[outcome.revision].kind, records[first].status) == (ReleaseKind.DESTROY, ReleaseStatus.SUPERSEDED)
    assert world.history.last_deployed(APP, "") is None
    seen: list[int] = []

    def approve(target: ReleaseRecord, plan: Plan) -> None:
        seen.append(target.revision)

    restored = rollback(world.c, world.options, world.settings(), APP, "", None, approve)
    assert seen == [first] and restored.deployed is not None and restored.deployed.ok
    assert sorted(c.name for c in world.gateway.containers.values() if c.service == "web") == [
        f"{APP}-web-{slot}" for slot in (1, 2, 3)]


def test_status_reads_no_secret_value_and_still_sees_other_drift(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path, secret=True), environ={"ST_TOKEN": "s3cret"})
    _deploy(world)
    world.options = type(world.options)(world.spec, environ={})  # the operator running status lacks the secret
    with pytest.raises(SecretError):
        world.prepare()  # plan does read it: the secret's digest decides whether web is current
    report = status(world.valid(), world.c, world.options)
    assert report.drift == () and report.secrets_unread
    assert len(report.containers) == 4 and report.deployed is not None
    write_spec(tmp_path, secret=True, log_level="debug")
    drift = status(world.valid(), world.c, world.options).drift
    assert drift and all("LOG_LEVEL" in line and "secret" not in line for line in drift)
