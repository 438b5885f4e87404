"""The same spec on a real three-node swarm: cold apply, no-op plan, a rolling change under load through the proxy,
a failing change that takes the whole app back, secret rotation, rollback to an earlier release, destroy."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.swarm.conftest import SwarmProject, shop_spec

pytestmark = [pytest.mark.docker, pytest.mark.swarm, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _nodes_of(project: SwarmProject, service: str) -> set[str]:
    done = project.cluster.docker("service", "ps", f"{project.app}-{service}", "--filter", "desired-state=running",
                                  "--format", "{{.Node}}")
    return set(done.stdout.split())


def test_cold_apply_noop_and_a_rolling_change_with_zero_failed_requests(project: SwarmProject) -> None:
    project.write(shop_spec(project))
    cold = project.run("apply", "--yes")
    assert "Apply complete" in cold.stdout
    assert _nodes_of(project, "db") == {"n2"}  # pinned with its volume
    assert len(_nodes_of(project, "web")) >= 2  # spread over the nodes
    assert "hello from" in project.get("n1")
    noop = project.run("plan", "--detailed-exitcode")
    assert "0 to add, 0 to change, 0 to destroy" in noop.stdout

    project.write(shop_spec(project, greeting="bonjour"))
    stop = project.root / "stop-load"
    load = subprocess.Popen(
        ["ip", "netns", "exec", f"{project.cluster.prefix}lan", sys.executable, "-m", "tests.support.lanload",
         "10.77.0.11", str(project.port), str(stop), "240"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        change = project.run("plan", "--out", "plan.json")
        project.run("apply", "plan.json")
    finally:
        stop.touch()
        out, _ = load.communicate(timeout=60)
    result = json.loads(out)
    assert 'env.GREETING "hello" → "bonjour"' in change.stdout
    assert result["requests"] > 50, result
    assert result["failures"] == 0, result
    assert result["bodies"][-1] == "hello" and "bonjour" in result["bodies"]
    assert "bonjour from" in project.get("n1")
    stale = project.run("apply", "plan.json", check=False)  # every web task's version moved on since
    assert stale.returncode == 1 and "the plan is stale" in stale.stderr


def test_a_failing_health_check_rolls_the_whole_app_back(project: SwarmProject) -> None:
    project.write(shop_spec(project))
    project.run("apply", "--yes")
    # web changes fine first (api depends on it); then api's new health path never answers.
    project.write(shop_spec(project, greeting="broken", api_health="/missing"))
    failed = project.run("apply", "--yes", check=False)
    assert failed.returncode != 0, failed.stdout
    assert "rolled back" in failed.stderr and "every service this apply changed is back" in failed.stderr
    assert "GREETING=hello" in project.env_of("web")  # updated fine, then put back with the rest of the app
    assert "GREETING=hello" in project.env_of("api")
    assert "hello from" in project.get("n1")
    statuses = [r["status"] for r in json.loads(project.run("history", "--format", "json").stdout)]
    assert statuses == ["rolled_back", "deployed"]


def test_secret_rotation_rollback_and_destroy(project: SwarmProject) -> None:
    project.write(shop_spec(project))
    project.run("apply", "--yes")
    first = set(project.labelled("secret"))
    assert len(first) == 1
    rotated = project.run("apply", "--yes", env={"SHOP_DB_PASSWORD": f"rotated-{uuid.uuid4().hex[:6]}"})
    assert "secret.DB_PASSWORD (changed, value hidden)" in rotated.stdout
    second = set(project.labelled("secret"))
    assert len(second) == 2 and first < second  # the old one is kept: the previous spec (rollback) mounts it
    assert "rotated-" not in rotated.stdout + rotated.stderr  # values never printed

    project.write(shop_spec(project, greeting="third"))
    project.run("apply", "--yes", env={"SHOP_DB_PASSWORD": "third-pass"})
    assert first.isdisjoint(project.labelled("secret"))  # pruned once nothing refers to it

    back = project.run("rollback", "--to", "1", "--yes")
    assert "Rolling back" in back.stdout
    assert "GREETING=hello" in project.env_of("web")

    done = project.run("destroy", "--yes")
    assert "named volumes stay" in done.stdout
    for kind in ("service", "secret", "config", "network"):
        assert project.labelled(kind) == [], kind
    assert project.labelled("volume", node="n2")  # the database's data stays on its node
