"""Rollbacks touch only what changed, and release tags go with their releases: the real CLI on the real engine."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.conftest import Project, free_port, http_get, web_service
from tests.support.docker_fixtures import release_tags

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _spec(project: Project, port: int, page: str, **extra: object) -> dict[str, object]:
    return {"version": 1, "name": project.app, "services": {"web": web_service(port, page, **extra)}}


def _ids(app: str) -> dict[str, str]:
    """Container name → ID of the app's web replicas."""
    rows = subprocess.run(["docker", "ps", "-a", "--filter", f"label=dev.shipspec.app={app}",
                           "--filter", "label=dev.shipspec.service=web", "--format", "{{.Names}} {{.ID}}"],
                          check=True, capture_output=True, text=True).stdout.splitlines()
    return dict(row.split() for row in rows)


def _revisions(project: Project) -> list[int]:
    return [int(r["revision"]) for r in json.loads(project.run("history", "--format", "json").stdout)]


def test_a_failure_before_any_retirement_leaves_the_old_replicas_and_the_next_plan_has_nothing_to_do(
        project: Project) -> None:
    port = free_port()
    good = _spec(project, port, "good\n", replicas=2)
    project.write(good)
    project.run("apply", "--yes")
    before = _ids(project.app)
    assert len(before) == 2
    broken = _spec(project, port, "bad\n", replicas=2, strategy={"type": "rolling", "health_deadline": "6s"})
    broken["services"]["web"]["health"]["http"]["path"] = "/missing"  # type: ignore[index]
    project.write(broken)
    failed = project.run("apply", "--yes", check=False)
    assert failed.returncode == 1
    assert "Rollback finished: the changes made so far are undone." in failed.stdout
    assert "Re-applying" not in failed.stdout and "drift" not in failed.stdout
    assert _ids(project.app) == before  # the very same containers
    assert http_get(port) == "good\n"
    assert _revisions(project) == [2, 1]  # no re-apply revision
    project.write(good)
    plan = project.run("plan", "--detailed-exitcode", check=False)
    assert plan.returncode == 0, plan.stdout


def test_rollback_to_the_running_revision_plans_nothing_and_a_real_one_does_not_churn(project: Project) -> None:
    port = free_port()
    first = _spec(project, port, "v1\n")
    project.write(first)
    project.run("apply", "--yes")
    project.write(_spec(project, port, "v2\n"))
    project.run("apply", "--yes")
    before = _ids(project.app)
    same = project.run("rollback", "--to", "2", "--yes")
    assert "No changes" in same.stdout
    assert _ids(project.app) == before and _revisions(project) == [2, 1]

    project.run("rollback", "--to", "1", "--yes")  # the page differs: web is replaced
    assert http_get(port) == "v1\n"
    restored = _ids(project.app)
    again = project.run("rollback", "--to", "1", "--yes")  # the same image under its pinned name: nothing
    assert "No changes" in again.stdout and _ids(project.app) == restored
    project.write(first)  # revision 1's spec, naming busybox:1.36 instead of the pinned tag
    assert project.run("plan", "--detailed-exitcode", check=False).returncode == 0


def test_release_tags_go_with_pruned_releases_and_destroy_keeps_those_in_history(project: Project) -> None:
    port = free_port()
    for page in ("one\n", "two\n", "three\n"):
        project.write(_spec(project, port, page))
        project.run("apply", "--yes")
    tags = release_tags(project.app)
    assert {t.rpartition(":")[2] for t in tags} == {"r1", "r2", "r3"} and len(tags) == 6  # web and the proxy
    pruned = project.run("history", "--prune", "1")
    assert "removed 4 release image tags" in pruned.stdout
    assert release_tags(project.app) == [t for t in tags if t.endswith(":r3")]

    project.run("destroy", "--yes")
    assert release_tags(project.app) == [t for t in tags if t.endswith(":r3")]  # rollback still needs them
    dropped = project.run("destroy", "--release-tags", "--yes")
    assert "Removed 2 release image tags" in dropped.stdout and release_tags(project.app) == []
