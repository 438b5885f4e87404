"""The saved-plan format and the three renderings of a representative plan (snapshots kept inline)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from engine.errors import PlanError
from engine.observe.types import ObservedVolume
from engine.plan.plan import Plan, make_destroy_plan, plan_from_json, plan_to_json
from engine.plan.render_text import plan_document, render_json, render_markdown, render_text, want_color
from engine.plan.steps import step_target
from tests.plan.casekit import desired_from, observed_from
from tests.plan.test_cases import run_case

A = "sha256:" + "a" * 64
C = "sha256:" + "c" * 64
CANARY = "canary-Pa55w0rd-7f3e"


def _spec(log_level: str, replicas: int, legacy: bool) -> dict[str, Any]:
    services: dict[str, Any] = {
        "web": {
            "image": "nginx:1.27",
            "replicas": replicas,
            "env": {"LOG_LEVEL": log_level},
            "secrets": {"DATABASE_PASSWORD": {"env": "SHOP_DB_PASSWORD"}},
            "health": {"http": {"port": 80}},
            "strategy": {"type": "rolling", "max_surge": 1, "max_unavailable": 0},
        },
        "db": {"image": "postgres:16", "volumes": [{"name": "pgdata", "target": "/data"}]},
    }
    if legacy:
        services["legacy"] = {"image": "nginx:1.27"}
    return {"version": 1, "name": "shop", "services": services}


CASE: dict[str, Any] = {
    "spec": _spec("debug", 4, legacy=False),
    "secrets": {"SHOP_DB_PASSWORD": CANARY + "-new"},
    "images": {"nginx:1.27": C, "postgres:16": A},
    "deployed": {
        "spec": {
            **_spec("info", 3, legacy=True),
            "services": {**_spec("info", 3, True)["services"], "db": {"image": "postgres:16"}},
        },
        "secrets": {"SHOP_DB_PASSWORD": CANARY},
        "images": {"nginx:1.27": A, "postgres:16": A},
    },
}


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    return run_case(CASE, tmp_path)


TEXT = """
  + volume     shop_pgdata    named volume (kept until destroy --volumes)
  ~ service    db             recreate 1 replica (stops the old replicas first: downtime)
        mounts [] → ["shop_pgdata:/data"]
  ~ service    web            rolling 3 → 4 replicas (max_surge 1, max_unavailable 0)
        env.LOG_LEVEL "info" → "debug"
        secret DATABASE_PASSWORD changed (value hidden)
        image sha256:aaaaaaaaaaaa… → sha256:cccccccccccc… (nginx:1.27)
  - container  shop-legacy-1  not in the spec

Plan: 1 to add, 2 to change, 1 to destroy.
"""


def test_text_snapshot(plan: Plan) -> None:
    assert render_text(plan) == TEXT


def test_text_colour_only_when_asked(plan: Plan) -> None:
    assert "\x1b[" not in render_text(plan)
    assert "\x1b[32m+\x1b[0m" in render_text(plan, color=True)
    assert want_color(True, {}) is True
    assert want_color(True, {"NO_COLOR": "1"}) is False
    assert want_color(True, {"NO_COLOR": ""}) is True  # no-color.org: only a non-empty value turns colour off
    assert want_color(False, {}) is False


def test_markdown_snapshot(plan: Plan) -> None:
    md = render_markdown(plan)
    assert md.startswith("### shipspec plan for `shop`\n\n**Plan: 1 to add, 2 to change, 1 to destroy.**\n")
    assert "| `~` | service `web` | rolling 3 → 4 replicas (max_surge 1, max_unavailable 0) |" in md
    assert "secret DATABASE_PASSWORD changed (value hidden)" in md
    assert "| `-` | container `shop-legacy-1` | not in the spec |" in md
    assert f"<details><summary>{len(plan.steps)} steps</summary>" in md


def test_json_document(plan: Plan) -> None:
    doc = json.loads(render_json(plan))
    assert doc["format_version"] == 1
    assert doc["summary"] == {"add": 1, "change": 2, "destroy": 1}
    web = next(r for r in doc["resource_changes"] if r["name"] == "web")
    assert web["actions"] == ["update"] and 'env.LOG_LEVEL "info" → "debug"' in web["causes"]
    assert doc == plan_document(plan)


def test_round_trip_is_exact(plan: Plan) -> None:
    text = plan_to_json(plan)
    again = plan_from_json(text)
    assert again == plan
    assert plan_to_json(again) == text


def test_secret_canary_appears_nowhere(plan: Plan) -> None:
    for text in (plan_to_json(plan), render_text(plan), render_json(plan), render_markdown(plan), repr(plan)):
        assert CANARY not in text
    create = next(s for s in plan.steps if s.kind == "create-container" and s.service == "web")
    assert create.spec.secret_env == {}  # type: ignore[union-attr]
    assert create.spec.secret_sources["DATABASE_PASSWORD"].ref == "SHOP_DB_PASSWORD"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format_version=2), "format_version 2"),
        (lambda d: d.pop("format_version"), "not a shipspec plan"),
        (lambda d: d.update(steps="nope"), "expected a list"),
        (lambda d: d["steps"][0].update(kind="teleport"), "unknown step kind 'teleport'"),
        (lambda d: d["steps"][0].update(surprise=1), "unknown field 'surprise'"),
        (lambda d: d.update(revision="two"), "$.revision: expected int"),
        (lambda d: d.pop("fingerprint"), "missing field 'fingerprint'"),
    ],
)
def test_bad_saved_plans_are_plan_errors(plan: Plan, mutate: Any, message: str) -> None:
    doc = json.loads(plan_to_json(plan))
    mutate(doc)
    with pytest.raises(PlanError, match=message.replace("$", r"\$").replace("(", r"\(")):
        plan_from_json(json.dumps(doc))


def test_not_json_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="not valid JSON"):
        plan_from_json("{ nope")


def test_no_changes_text(tmp_path: Path) -> None:
    case = {**CASE, "spec": CASE["deployed"]["spec"], "secrets": CASE["deployed"]["secrets"]}
    case["images"] = CASE["deployed"]["images"]
    plan = run_case(case, tmp_path)
    assert not plan.has_changes
    assert render_text(plan) == 'No changes. "shop" matches the spec.\n'


def test_destroy_plan_keeps_volumes_unless_asked(tmp_path: Path) -> None:
    desired = desired_from(tmp_path, CASE["spec"], {}, CASE)
    observed = observed_from(tmp_path, CASE, desired)
    observed = dataclasses.replace(observed, volumes=(ObservedVolume("shop_pgdata", {}),))
    keep = make_destroy_plan("shop", "", observed)
    kinds = [s.kind for s in keep.steps]
    assert "remove-volume" not in kinds
    assert kinds.count("remove-container") == len(observed.containers)
    assert kinds[-1] == "remove-network"
    assert keep.counts.destroy == len(observed.containers) + 1
    wipe = make_destroy_plan("shop", "", observed, volumes=True)
    assert [step_target(s) for s in wipe.steps if s.kind == "remove-volume"] == ["shop_pgdata"]
    assert "data is deleted" in render_text(wipe)
    assert plan_from_json(plan_to_json(wipe)) == wipe
