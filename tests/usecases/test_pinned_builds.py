"""Rolling back a service shipspec builds: the release's image is run, never rebuilt, and the service keeps what its
build decides (its health probe, its security level), so the rollback replaces only what differs and the replicas
it starts can pass their own health check. Against the shipped fakes."""

from __future__ import annotations

from pathlib import Path

import yaml

from engine.plan.steps import BuildImage, CreateContainer
from engine.usecases.apply import apply
from engine.usecases.rollback import rollback
from tests.usecases.kit import APP, World


def _write(tmp_path: Path, level: str) -> Path:
    (tmp_path / "web").mkdir(exist_ok=True)
    (tmp_path / "web" / "app.py").write_text("print('hi')\n", encoding="utf-8")
    web = {"build": {"context": "./web", "runtime": "python"}, "command": ["python3", "app.py"],
           "ports": [{"container": 8000}], "env": {"LEVEL": level}, "health": {"http": {"path": "/", "port": 8000}},
           "strategy": {"type": "rolling", "drain": "0s"}}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "name": APP, "services": {"web": web}}), encoding="utf-8")
    return path


def _deploy(world: World) -> int:
    outcome = apply(world.prepare(), world.c, world.options, world.settings())
    assert outcome.deployed is not None and outcome.deployed.ok, outcome
    return outcome.deployed.release.revision


def test_a_rollback_of_a_built_service_runs_its_release_image_with_its_own_probe_and_level(tmp_path: Path) -> None:
    world = World(_write(tmp_path, "one"))
    first = _deploy(world)
    built = next(s for s in world.gateway.created_specs.values() if s.labels.get("dev.shipspec.service") == "web")
    _write(tmp_path, "two")
    _deploy(world)
    planned: list[object] = []
    outcome = rollback(world.c, world.options, world.settings(), APP, "", first,
                       lambda target, plan: planned.extend(plan.steps))
    assert outcome.deployed is not None and outcome.deployed.ok
    assert not any(isinstance(s, BuildImage) for s in planned)          # nothing is rebuilt
    created = [s for s in planned if isinstance(s, CreateContainer)]
    assert created, "the rollback replaces the revision-two replica"
    spec = created[0].spec
    assert spec.image == world.gateway.images[f"shipspec-release/{APP}-web:r{first}"]
    assert spec.health is not None and built.health is not None
    assert spec.health.test == built.health.test   # Python's urllib, not busybox wget
    assert spec.health.test[1] == "python3"
    assert (spec.user, spec.read_only, spec.cap_drop) == (built.user, built.read_only, built.cap_drop)  # restricted
    again = rollback(world.c, world.options, world.settings(), APP, "", first, lambda target, plan: None)
    assert again.deployed is None and not again.plan.has_changes   # the pinned release is what runs now
