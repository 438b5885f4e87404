"""Releases through the real CLI and engine: history, rollback, automatic rollback, the lock, kill -9 recovery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from tests.e2e.conftest import SHIPSPEC, Project, free_port, http_get, web_service

pytestmark = pytest.mark.docker


def _spec(project: Project, port: int, page: str, **extra: object) -> dict[str, object]:
    return {"version": 1, "name": project.app, "services": {"web": web_service(port, page, **extra)}}


def _history(project: Project) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(project.run("history", "--format", "json").stdout)
    return rows


def _containers(app: str) -> list[str]:
    out = subprocess.run(["docker", "ps", "-a", "--filter", f"label=dev.shipspec.app={app}", "--format",
                          "{{.Names}}"], check=True, capture_output=True, text=True).stdout
    return sorted(out.split())


def test_history_and_rollback_to_the_previous_release(project: Project) -> None:
    port = free_port()
    project.write(_spec(project, port, "v1\n"))
    project.run("apply", "--yes")
    project.write(_spec(project, port, "v2\n"))
    project.run("apply", "--yes")
    assert http_get(port) == "v2\n"

    rolled = project.run("rollback", "--yes")
    assert "Rolling back" in rolled.stdout and "revision 1" in rolled.stdout
    assert http_get(port) == "v1\n"
    rows = _history(project)
    assert [(r["revision"], r["status"], r["kind"], r["rollback_of"]) for r in rows] == [
        (3, "deployed", "rollback", 1),
        (2, "superseded", "apply", None),
        (1, "superseded", "apply", None),
    ]
    stats = json.loads(project.run("history", "--stats", "--format", "json").stdout)
    assert stats["releases"] == 3 and stats["rollbacks_requested"] == 1 and stats["success_rate"] == 1.0


def test_a_failing_health_gate_rolls_back_and_the_old_version_keeps_serving(project: Project) -> None:
    port = free_port()
    project.write(_spec(project, port, "good\n"))
    project.run("apply", "--yes")
    broken = _spec(project, port, "bad\n")
    broken["services"]["web"]["health"]["http"]["path"] = "/missing"  # type: ignore[index]
    broken["services"]["web"]["strategy"] = {"type": "rolling", "health_deadline": "8s"}  # type: ignore[index]
    project.write(broken)
    failed = project.run("apply", "--yes", check=False)
    assert failed.returncode == 1
    assert "wait-healthy" in failed.stderr and "rolled back" in failed.stderr
    assert http_get(port) == "good\n"
    statuses = [(r["status"], r["kind"]) for r in _history(project)]
    # Nothing was retired before the gate failed: undoing was enough, no re-apply revision follows.
    assert statuses == [("rolled_back", "apply"), ("deployed", "apply")]
    assert _containers(project.app) == [f"{project.app}-shipspec-proxy-1", f"{project.app}-web-1"]


def _wait_for_lock(app: str, process: subprocess.Popen[str], timeout_s: float = 90) -> None:
    """Until the apply in ``process`` holds the app's lock (bounded): sleeping a fixed time is flaky on a busy
    machine."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        names = subprocess.run(["docker", "ps", "-a", "--filter", f"name=^/shipspec-lock-{app}$", "--format",
                                "{{.Names}}"], check=True, capture_output=True, text=True).stdout.split()
        if names:
            time.sleep(0.5)  # let it get past taking the lock into its first steps
            return
        assert process.poll() is None, "the apply ended before it took the lock"
        time.sleep(0.2)
    raise AssertionError("the apply never took the lock")


def _slow_web(port: int, page: str) -> dict[str, object]:
    """A web service that needs about 4 s before its health check can pass: keeps an apply busy."""
    svc = web_service(port, page, command=["sh", "-c", "sleep 4; exec httpd -f -p 8080 -h /www"])
    svc["health"]["start_period"] = "15s"  # type: ignore[index]
    return svc


def test_a_second_apply_fails_with_the_holders_details_then_waits_its_turn(project: Project) -> None:
    port = free_port()
    project.write({"version": 1, "name": project.app, "services": {"web": _slow_web(port, "one\n")}})
    env = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(project.root / ".state")}
    first = subprocess.Popen([SHIPSPEC, "apply", "--yes"], cwd=project.root, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_lock(project.app, first)  # the first apply has read the spec and holds the lock
        project.write({"version": 1, "name": project.app, "services": {"web": _slow_web(port, "two\n")}})
        second = project.run("apply", "--yes", check=False)
        assert second.returncode == 1
        assert "another operation holds" in second.stderr and f"pid {first.pid}" in second.stderr
        waited = project.run("apply", "--yes", "--lock-timeout", "90", check=False)
        assert waited.returncode == 0, waited.stderr
    finally:
        _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert http_get(port) == "two\n"
    rows = _history(project)
    assert [(r["revision"], r["status"]) for r in rows] == [(2, "deployed"), (1, "superseded")]
    state = project.root / ".state" / "history.db"
    import sqlite3

    with sqlite3.connect(state) as db:
        (first_end,) = db.execute("SELECT MAX(finished_at) FROM steps WHERE revision = 1").fetchone()
        (second_start,) = db.execute("SELECT MIN(started_at) FROM steps WHERE revision = 2").fetchone()
    assert first_end <= second_start, "the two applies' steps must never interleave"


def test_kill_9_mid_apply_then_apply_recovers_the_lock_and_converges(project: Project) -> None:
    port = free_port()
    project.write({"version": 1, "name": project.app, "services": {"web": _slow_web(port, "v1\n")}})
    env = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(project.root / ".state")}
    victim = subprocess.Popen([SHIPSPEC, "apply", "--yes"], cwd=project.root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    _wait_for_lock(project.app, victim)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    status = json.loads(project.run("status", "--format", "json").stdout)
    assert status["lock"] is not None and status["interrupted_revisions"] == [1]
    said = project.run("status").stdout
    assert "lease is fresh" not in said and f"pid {victim.pid}" in said and "no longer runs" in said, said

    again = project.run("apply", "--yes")
    assert "Recovered lock" in again.stdout and "Closed revision 1 as failed" in again.stdout
    assert http_get(port) == "v1\n"
    assert _containers(project.app) == [f"{project.app}-shipspec-proxy-1", f"{project.app}-web-1"]
    assert [(r["revision"], r["status"]) for r in _history(project)] == [(2, "deployed"), (1, "failed")]
    assert project.run("plan", "--detailed-exitcode").returncode == 0
