"""Release image tags live as long as their release's history row: pruned with it, kept by destroy unless asked,
and nobody else's tag is touched. Against the shipped fakes."""

from __future__ import annotations

from pathlib import Path

from engine.history.model import ReleaseStatus
from engine.usecases.apply import apply
from engine.usecases.destroy import destroy, drop_release_tags, plan_destroy
from engine.usecases.history import prune
from engine.usecases.rollback import rollback
from tests.usecases.kit import APP, IMAGE, World, write_spec

OTHERS = ("shipspec-release/shopx-web:r1", "shipspec-release/shop-web:latest", "busybox:1.36")


def _release_tags(world: World) -> set[str]:
    return {ref for ref in world.gateway.images if ref.startswith(f"shipspec-release/{APP}-") and ":r" in ref}


def _three_releases(tmp_path: Path) -> World:
    world = World(write_spec(tmp_path))
    for level in ("info", "debug", "warning"):
        write_spec(tmp_path, log_level=level)
        outcome = apply(world.prepare(), world.c, world.options, world.settings())
        assert outcome.deployed is not None and outcome.deployed.ok
    for ref in OTHERS:
        world.gateway.images[ref] = IMAGE
    world.gateway.images[f"shipspec-release/{APP}-web:r9"] = IMAGE  # left by a history deleted earlier
    return world


def test_prune_removes_the_tags_of_the_releases_it_deletes_and_of_those_gone_before(tmp_path: Path) -> None:
    world = _three_releases(tmp_path)
    assert _release_tags(world) == {f"shipspec-release/{APP}-{svc}:r{rev}" for svc in ("web", "db")
                                    for rev in (1, 2, 3)} | {f"shipspec-release/{APP}-web:r9"}
    outcome = prune(world.history, world.gateway, APP, "", 1)
    assert outcome.revisions == [1, 2] and outcome.tags.kept == []
    assert _release_tags(world) == {f"shipspec-release/{APP}-web:r3", f"shipspec-release/{APP}-db:r3"}
    assert sorted(outcome.tags.removed) == sorted(
        [f"shipspec-release/{APP}-{svc}:r{rev}" for svc in ("web", "db") for rev in (1, 2)]
        + [f"shipspec-release/{APP}-web:r9"])
    assert all(ref in world.gateway.images for ref in OTHERS)


def test_destroy_keeps_the_tags_of_releases_in_history_so_rollback_still_restores(tmp_path: Path) -> None:
    world = _three_releases(tmp_path)
    outcome = destroy(world.valid(), plan_destroy(world.c, APP, "", volumes=True), world.c, world.settings())
    assert outcome.status is ReleaseStatus.DESTROYED
    assert outcome.tags.removed == [f"shipspec-release/{APP}-web:r9"]  # its release is not in the history
    assert len(_release_tags(world)) == 6
    back = rollback(world.c, world.options, world.settings(), APP, "", None, lambda target, plan: None)
    assert back.deployed is not None and back.deployed.ok


def test_destroy_with_release_tags_removes_every_one_and_again_after_the_app_is_gone(tmp_path: Path) -> None:
    world = _three_releases(tmp_path)
    planned = plan_destroy(world.c, APP, "", volumes=False, release_tags=True)
    outcome = destroy(world.valid(), planned, world.c, world.settings())
    assert outcome.status is ReleaseStatus.DESTROYED and len(outcome.tags.removed) == 7
    assert _release_tags(world) == set() and all(ref in world.gateway.images for ref in OTHERS)
    world.gateway.images[f"shipspec-release/{APP}-db:r2"] = IMAGE  # re-tagged by hand
    again = drop_release_tags(world.valid(), world.c, APP, "", world.settings())
    assert again.removed == [f"shipspec-release/{APP}-db:r2"] and _release_tags(world) == set()
