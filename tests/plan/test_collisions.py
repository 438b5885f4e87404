"""Names another owner holds: the parser of the engine's name-filtered list and the plan's check over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import labels as L
from engine.errors import PlanError
from engine.observe.parse import foreign_names
from engine.observe.types import ContainerState, Health, ObservedContainer
from tests.usecases.kit import World, write_spec


def _listed(name: str, labels: dict[str, str]) -> dict[str, object]:
    return {"Id": name * 2, "Names": [f"/{name}"], "Labels": labels}


def test_foreign_names_keep_other_owners_under_the_app_prefix_only() -> None:
    entries: list[dict[str, object]] = [
        _listed("a-b-c-1", {L.APP: "a-b", L.MANAGED: "true"}),   # another app's replica
        _listed("a-web-1", {L.APP: "a", L.MANAGED: "true"}),     # this app's own: not foreign
        _listed("a-web-2", {}),                                  # made by hand
        _listed("xa-web-1", {L.APP: "xa", L.MANAGED: "true"}),   # a regex filter's stray match
        {"Id": "l", "Names": ["/other/a-web-3"], "Labels": {}},   # a legacy link alias, not a name
    ]
    assert foreign_names("a", entries) == {"a-b-c-1": "a-b", "a-web-2": ""}


def _holder(name: str, app: str, service: str) -> ObservedContainer:
    return ObservedContainer(id=f"{name}-id", name=name, app=app, service=service, slot=1, revision=1,
                             config_hash="h", image_id="", state=ContainerState.RUNNING, health=Health.NONE,
                             labels={L.APP: app, L.MANAGED: "true"})


SPEC = """\
version: 1
name: shop
services:
  web-api:
    image: busybox:1.36
    replicas: 2
"""


def test_a_plan_refuses_a_name_another_app_holds_at_the_service_line(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    world = World(spec)
    held = _holder("shop-web-api-2", "shop-web", "api")   # app shop-web, service api, slot 2
    world.gateway.containers[held.id] = held
    with pytest.raises(PlanError) as caught:
        world.prepare()
    message = str(caught.value)
    assert "app.yaml:4:3 services.web-api: container name shop-web-api-2 is already taken by app shop-web" in message
    assert "hint: rename the service or the app" in message
    assert world.gateway.calls_to("create_container") == []


def test_names_that_only_share_the_prefix_do_not_collide(tmp_path: Path) -> None:
    world = World(write_spec(tmp_path))
    for name in ("shop-webhook-1", "shop-web-x", "shop-db-1-old"):
        world.gateway.containers[f"{name}-id"] = _holder(name, "other", "x")
    assert world.prepare().plan.has_changes   # planned, not refused
