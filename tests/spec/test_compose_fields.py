"""Fields that real Compose apps need, each with its Docker, Compose and Kubernetes meaning (see the schema):
validated, rendered into Compose, and carried into the desired state the Docker engine path applies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.desire.build import build_desired
from engine.errors import SpecError
from engine.observe.types import ObservedState
from engine.plan.plan import make_plan
from engine.plan.steps import BuildImage
from engine.render.bundle import Kind, render_bundle
from engine.spec.validate import load_and_validate


def _spec(tmp_path: Path, service: str) -> Path:
    (tmp_path / "web").mkdir(exist_ok=True)
    (tmp_path / "web" / "Dockerfile").write_text("FROM scratch\n")
    path = tmp_path / "app.yaml"
    path.write_text(f"version: 1\nname: fields\nservices:\n  web:\n{service}")
    return path


BUILD = "    build:\n      context: ./web\n      runtime: dockerfile\n      target: development\n" \
        "      args: {NODE_ENV: production, DOLLAR: a$b}\n"


def test_build_target_and_args_render_into_compose(tmp_path: Path) -> None:
    valid = load_and_validate(_spec(tmp_path, BUILD))
    compose = yaml.safe_load(render_bundle(valid, only=frozenset({Kind.COMPOSE}))["compose.yaml"])
    build = compose["services"]["web"]["build"]
    assert build["target"] == "development"
    assert build["args"] == {"DOLLAR": "a$$b", "NODE_ENV": "production"}


def test_build_target_and_args_reach_the_build_step(tmp_path: Path) -> None:
    valid = load_and_validate(_spec(tmp_path, BUILD))
    desired = build_desired(valid, image_ids={}, build_digests={"web": "sha256:" + "0" * 64}, secret_digests={},
                            revision=1)
    plan = make_plan(desired, ObservedState(app="fields", engine_id="e"))
    steps = [s for s in plan.steps if isinstance(s, BuildImage)]
    assert [(s.target, dict(s.args)) for s in steps] == [("development", {"DOLLAR": "a$b", "NODE_ENV": "production"})]


def test_build_target_needs_your_own_dockerfile(tmp_path: Path) -> None:
    path = _spec(tmp_path, "    build: {context: ./web, runtime: static, target: dev}\n")
    with pytest.raises(SpecError) as caught:
        load_and_validate(path)
    assert "only applies to runtime: dockerfile" in caught.value.diagnostics[0].message
