"""A second apply that waits (--lock-timeout) for one that changes things, and what status and plan say meanwhile:
the installed CLI in subprocesses against the real engine."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from tests.e2e.conftest import SHIPSPEC, Project, free_port, http_get, web_service

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _spec(project: Project, port: int, page: str) -> dict[str, object]:
    """Two replicas that need about 3 s before their health check can pass: a rolling update keeps the lock a
    while and leaves a replacement under its temporary name (``-next``) for others to see."""
    svc = web_service(port, page, command=["sh", "-c", "sleep 3; exec httpd -f -p 8080 -h /www"], replicas=2)
    svc["health"]["start_period"] = "20s"  # type: ignore[index]
    svc["strategy"] = {"type": "rolling", "drain": "0s"}
    return {"version": 1, "name": project.app, "services": {"web": svc}}


def _names(app: str) -> list[str]:
    out = subprocess.run(["docker", "ps", "-a", "--filter", f"label=dev.shipspec.app={app}", "--format",
                          "{{.Names}}"], check=True, capture_output=True, text=True).stdout
    return out.split()


def _until_next_exists(project: Project, process: subprocess.Popen[str], timeout_s: float = 120) -> None:
    """Until the running apply has created a replacement under its temporary name (bounded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(n.endswith("-next") for n in _names(project.app)):
            return
        assert process.poll() is None, "the first apply ended before its rolling update began"
        time.sleep(0.2)
    raise AssertionError("the first apply never started a replacement")


def test_lock_timeout_waits_out_an_apply_that_changed_things_then_plans_afresh(project: Project) -> None:
    port = free_port()
    project.write(_spec(project, port, "v1\n"))
    project.run("apply", "--yes")
    project.write(_spec(project, port, "v2\n"))
    env = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(project.root / ".state")}
    first = subprocess.Popen([SHIPSPEC, "apply", "--yes"], cwd=project.root, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        _until_next_exists(project, first)
        # meanwhile, status names the running apply, and a plan does not take its work for an interruption:
        status = project.run("status")
        assert "Running: revision 2" in status.stdout and f"pid {first.pid}" in status.stdout, status.stdout
        assert "Interrupted" not in status.stdout and "interrupted" not in status.stdout
        doc = json.loads(project.run("status", "--format", "json").stdout)
        assert doc["running_revisions"] == [2] and doc["interrupted_revisions"] == []
        assert doc["lock_holder"]["pid"] == first.pid and doc["lock_holder"]["running"] is True
        plan = project.run("plan")
        assert "Another operation is running" in plan.stdout and "interrupted" not in plan.stdout, plan.stdout
        project.write(_spec(project, port, "v3\n"))
        waited = project.run("apply", "--yes", "--lock-timeout", "150", check=False, timeout=300)
    finally:
        _out, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    assert waited.returncode == 0, f"{waited.stdout}\n{waited.stderr}"
    assert "Waiting up to 150s for the lock" in waited.stdout
    assert "planning again from what runs now" in waited.stdout and "stale" not in waited.stderr
    assert http_get(port) == "v3\n"
    assert project.run("plan", "--detailed-exitcode", check=False).returncode == 0
    rows = json.loads(project.run("history", "--format", "json").stdout)
    assert [(r["revision"], r["status"]) for r in rows] == [(3, "deployed"), (2, "superseded"), (1, "superseded")]
    assert sorted(_names(project.app)) == sorted([f"{project.app}-shipspec-proxy-1", f"{project.app}-web-1",
                                                  f"{project.app}-web-2"])
