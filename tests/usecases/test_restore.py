"""After a failed update, the last release is re-applied only where something was retired, and only there; a
rollback to the running release changes nothing. Against the shipped fakes: no engine, no sleeping."""

from __future__ import annotations

from pathlib import Path

from engine.desire.types import ContainerSpec
from engine.events import RestoreFinished, RestoreStarted, RollbackFinished, Unrestored
from engine.execute.executor import unrestored
from engine.history.model import ReleaseKind, ReleaseRecord, ReleaseStatus
from engine.plan.plan import Plan, plan_from_json
from engine.plan.steps import (
    CreateContainer,
    RemoveContainer,
    RenameContainer,
    Step,
    StopContainer,
    UpdateContainer,
    step_target,
)
from engine.usecases.apply import apply
from engine.usecases.rollback import rollback
from tests.usecases.kit import APP, World, write_spec


def _deploy(world: World) -> int:
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None and outcome.deployed.ok
    return outcome.deployed.release.revision


def _web_ids(world: World) -> dict[str, str]:
    return {c.name: c.id for c in world.gateway.containers.values() if c.service == "web"}


def test_a_failure_before_any_retirement_re_applies_nothing_and_leaves_the_old_replicas(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    _deploy(world)
    before = _web_ids(world)
    write_spec(tmp_path, log_level="debug")
    world.gateway.fail_on("start")  # the first new replica never starts: no old replica was retired yet
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None
    release = outcome.deployed.release
    assert release.status is ReleaseStatus.ROLLED_BACK and release.report.unrestored == ()
    assert outcome.deployed.restored is None
    assert not [e for e in world.listener.events if isinstance(e, RestoreStarted | RestoreFinished)]
    assert [e.unrestored for e in world.listener.events if isinstance(e, RollbackFinished)] == [()]
    assert _web_ids(world) == before
    assert [r.revision for r in world.history.releases(APP, "")] == [2, 1]  # no re-apply revision
    write_spec(tmp_path)  # the spec of the release that runs
    assert not world.prepare().plan.has_changes


def test_a_failure_after_a_retirement_re_applies_the_last_release_to_that_slot_only(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    _deploy(world)
    before = _web_ids(world)
    write_spec(tmp_path, log_level="debug")
    world.gateway.fail_on("start", nth=2)  # web-1 was replaced (its old replica retired), web-2's start fails
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None
    failed, restored = outcome.deployed.release, outcome.deployed.restored
    assert failed.report.unrestored == (Unrestored("web", f"{APP}-web-1", "retired"),)
    assert restored is not None and restored.status is ReleaseStatus.DEPLOYED
    started = [e for e in world.listener.events if isinstance(e, RestoreStarted)]
    assert [(e.revision, e.failed, e.as_revision) for e in started] == [(1, 2, 3)]
    assert [e.ok for e in world.listener.events if isinstance(e, RestoreFinished)] == [True]
    plan = plan_from_json(world.history.get(APP, "", restored.revision).plan_json)
    assert {step_target(s).removesuffix("-next") for s in plan.steps} <= {f"{APP}-web-1", f"{APP}-shipspec-proxy-1"}
    creates = [s for s in plan.steps if isinstance(s, CreateContainer)]
    assert [(s.spec.name, s.cause) for s in creates] == [(f"{APP}-web-1", "retired by revision 2, which failed")]
    after = _web_ids(world)
    assert {n: after[n] for n in (f"{APP}-web-2", f"{APP}-web-3")} == {
        n: before[n] for n in (f"{APP}-web-2", f"{APP}-web-3")}
    assert after[f"{APP}-web-1"] != before[f"{APP}-web-1"]
    envs = {world.gateway.created_specs[i].env["LOG_LEVEL"] for n, i in after.items()
            if i in world.gateway.created_specs}
    assert envs == {"info"}
    write_spec(tmp_path)  # the replica made from the pinned release tag is current for the unpinned spec
    assert not world.prepare().plan.has_changes


def test_rollback_to_the_running_revision_plans_nothing(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    _deploy(world)
    write_spec(tmp_path, log_level="debug")
    running = _deploy(world)
    before = _web_ids(world)
    seen: list[Plan] = []

    def approve(target: ReleaseRecord, plan: Plan) -> None:
        seen.append(plan)

    outcome = rollback(world.c, world.options, world.settings(), APP, "", running, approve)
    assert outcome.deployed is None and not outcome.plan.has_changes and not seen[0].steps
    assert _web_ids(world) == before
    assert [r.kind for r in world.history.releases(APP, "")] == [ReleaseKind.APPLY, ReleaseKind.APPLY]


def test_rollback_to_an_earlier_revision_replaces_what_differs_then_plans_nothing(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    first = _deploy(world)
    write_spec(tmp_path, log_level="debug")
    _deploy(world)
    outcome = rollback(world.c, world.options, world.settings(), APP, "", first, lambda target, plan: None)
    assert outcome.deployed is not None and outcome.deployed.ok
    db_before = {c.name: c.id for c in world.gateway.containers.values() if c.service == "db"}
    again = rollback(world.c, world.options, world.settings(), APP, "", first, lambda target, plan: None)
    assert again.deployed is None and not again.plan.has_changes  # same images under their pinned names
    assert {c.name: c.id for c in world.gateway.containers.values() if c.service == "db"} == db_before


def _spec(name: str) -> ContainerSpec:
    return ContainerSpec(name=name, image="sha256:" + "a" * 64, labels={}, config_hash="")


def test_what_a_run_removed_is_a_retirement_only_if_it_did_not_create_it() -> None:
    done: list[Step] = [
        # recreate (stop-first): the old web-1 goes, a new web-1 takes its name
        StopContainer(id="s1", service="web", cause="", container="shop-web-1", timeout_s=1),
        RemoveContainer(id="r1", service="web", cause="", container="shop-web-1"),
        CreateContainer(id="c1", service="web", cause="", spec=_spec("shop-web-1")),
        # rolling: a replacement created under its temporary name, renamed, later removed again by the run
        CreateContainer(id="c2", service="api", cause="", spec=_spec("shop-api-1-next")),
        RemoveContainer(id="r2", service="api", cause="", container="shop-api-1"),
        RenameContainer(id="n2", service="api", cause="", container="shop-api-1-next", new_name="shop-api-1"),
        RemoveContainer(id="r3", service="api", cause="", container="shop-api-1"),
        UpdateContainer(id="u1", service="db", cause="", container="shop-db-1", nano_cpus=None, mem_limit=None,
                        mem_reservation=None, restart="no"),
    ]
    assert unrestored(done) == (
        Unrestored("web", "shop-web-1", "retired"),
        Unrestored("api", "shop-api-1", "retired"),
        Unrestored("db", "shop-db-1", "updated in place"),
    )
