"""Environment overlays: maps merge key by key, lists and scalars replace, positions follow the overlay."""

from __future__ import annotations

import pytest

from engine.errors import SpecError
from engine.spec.loader import load_spec_text
from engine.spec.overlays import apply_environment, environment_names

SPEC = """\
version: 1
name: shop
labels: {team: web}
services:
  web:
    image: nginx:1.27
    env: {A: "1", B: "2"}
    ports: [{container: 80}, {container: 81}]
    resources: {limits: {cpu: "1", memory: 256Mi}}
environments:
  prod:
    labels: {tier: prod}
    services:
      web:
        env: {B: "20", C: "30"}
        ports: [{container: 8080}]
        resources: {limits: {memory: 1Gi}}
  staging: {}
"""


def test_environment_names_are_sorted() -> None:
    assert environment_names(load_spec_text(SPEC, "app.yaml")) == ["prod", "staging"]


def test_base_drops_environments() -> None:
    base = apply_environment(load_spec_text(SPEC, "app.yaml"), None).data
    assert "environments" not in base
    assert base["services"]["web"]["env"] == {"A": "1", "B": "2"}


def test_maps_merge_and_lists_replace() -> None:
    loaded = load_spec_text(SPEC, "app.yaml")
    web = apply_environment(loaded, "prod").data["services"]["web"]
    assert web["env"] == {"A": "1", "B": "20", "C": "30"}
    assert web["ports"] == [{"container": 8080}]
    assert web["resources"] == {"limits": {"cpu": "1", "memory": "1Gi"}}
    assert web["image"] == "nginx:1.27"
    assert apply_environment(loaded, "prod").data["labels"] == {"team": "web", "tier": "prod"}


def test_merge_does_not_touch_the_loaded_data() -> None:
    loaded = load_spec_text(SPEC, "app.yaml")
    merged = apply_environment(loaded, "prod")
    merged.data["services"]["web"]["env"]["A"] = "changed"
    assert loaded.data["services"]["web"]["env"] == {"A": "1", "B": "2"}
    assert loaded.data["environments"]["prod"]["services"]["web"]["env"] == {"B": "20", "C": "30"}


def test_empty_overlay_is_the_base() -> None:
    loaded = load_spec_text(SPEC, "app.yaml")
    assert apply_environment(loaded, "staging").data == apply_environment(loaded, None).data


def test_positions_point_at_the_overlay_for_overridden_values_only() -> None:
    merged = apply_environment(load_spec_text(SPEC, "app.yaml"), "prod").source
    assert merged.locate(("services", "web", "env", "B")) == (15, 18)  # from prod
    assert merged.locate(("services", "web", "env", "A")) == (7, 14)  # from the base
    assert merged.locate(("services", "web", "ports", 0, "container")) == (16, 29)
    assert merged.locate(("services", "web", "resources", "limits", "memory")) == (17, 38)
    assert merged.locate(("services", "web", "resources", "limits", "cpu")) == (9, 31)


def test_unknown_environment() -> None:
    with pytest.raises(SpecError) as info:
        apply_environment(load_spec_text(SPEC, "app.yaml"), "qa")
    (diag,) = info.value.diagnostics
    assert diag.message == "unknown environment 'qa'"
    assert diag.hint == "known: prod, staging"
