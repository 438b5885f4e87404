"""Two apps whose container names collide (``a`` + service ``b-c`` and ``a-b`` + service ``c`` both name
``a-b-c-1``): the second plan refuses at the service's line, and apply creates nothing and touches nothing."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import labels as L
from tests.e2e.conftest import Project
from tests.support.docker_fixtures import remove_labelled

pytestmark = pytest.mark.docker


def _doc(app: str, service: str) -> dict[str, object]:
    return {"version": 1, "name": app,
            "services": {service: {"image": "busybox:1.36", "command": ["sleep", "3600"], "stop_grace_period": "1s"}}}


@pytest.fixture
def other(tmp_path: Path, project: Project) -> Iterator[Project]:
    """The app ``<app>-web`` with service ``api``, in its own folder and state; removed afterwards."""
    folder = tmp_path / "other"
    folder.mkdir()
    holder = Project(folder, f"{project.app}-web")
    yield holder
    remove_labelled(f"{L.APP}={holder.app}")


def _ids(app: str) -> list[str]:
    out = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={L.APP}={app}"], check=True,
                         capture_output=True, text=True).stdout
    return sorted(out.split())


def test_an_app_whose_container_name_another_app_holds_is_refused_at_plan(project: Project, other: Project) -> None:
    other.write(_doc(other.app, "api"))
    other.run("apply", "--yes")
    held = _ids(other.app)
    assert len(held) == 1

    project.write(_doc(project.app, "web-api"))     # would name its replica <app>-web-api-1, other's name
    for command in (("plan",), ("apply", "--yes")):
        refused = project.run(*command, check=False)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert (f"app.yaml:4:3 services.web-api: container name {project.app}-web-api-1 is already taken by app "
                f"{other.app}") in refused.stderr, refused.stderr
    assert _ids(project.app) == []                  # nothing created
    assert _ids(other.app) == held                  # the holder untouched
    assert "No releases" in project.run("history").stdout   # no release recorded for the refused apply
