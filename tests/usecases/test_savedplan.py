"""Saved plans through the use cases: written, applied as reviewed, refused once the engine moved on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import labels as L
from engine.errors import PlanError
from engine.usecases.apply import apply
from engine.usecases.savedplan import read_saved_plan, write_saved_plan
from tests.usecases.kit import APP, World, write_spec


def test_a_saved_plan_is_written_and_applied_as_it_was_reviewed(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    made = world.prepare()
    path = tmp_path / "out" / "plan.json"
    write_saved_plan(path, made.plan, world.spec, None)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert (doc["kind"], doc["spec_file"], doc["env"]) == ("shipspec-saved-plan", str(world.spec.resolve()), None)
    assert [p.name for p in path.parent.iterdir()] == ["plan.json"]  # written atomically: no temporary left
    saved = read_saved_plan(path)
    assert saved.plan == made.plan
    outcome = apply(world.prepare(), world.c, world.options, world.settings(), saved=saved.plan)
    assert outcome.deployed is not None and outcome.deployed.ok
    assert world.history.last_deployed(APP, "") is not None


def test_a_saved_plan_is_refused_when_the_engine_changed_since(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    path = tmp_path / "plan.json"
    write_saved_plan(path, world.prepare().plan, world.spec, None)
    # another operator's apply created the app's network after the review:
    world.gateway.ensure_network("shop", {L.APP: APP, L.ENV: "", L.MANAGED: "true"})
    with pytest.raises(PlanError, match=r"the plan is stale.*network shop: created since the plan"):
        apply(world.prepare(), world.c, world.options, world.settings(), saved=read_saved_plan(path).plan)
    assert world.history.releases(APP, "") == []
    assert not world.gateway.calls_to("create_container")


def test_a_saved_plan_is_refused_when_the_spec_changed_since(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    path = tmp_path / "plan.json"
    write_saved_plan(path, world.prepare().plan, world.spec, None)
    write_spec(tmp_path, log_level="debug")
    with pytest.raises(PlanError, match=r"the spec .* changed since the plan was made"):
        apply(world.prepare(), world.c, world.options, world.settings(), saved=read_saved_plan(path).plan)
