"""The plan/apply cycle through the real CLI and the real engine (issue 4's end-to-end scenarios)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.conftest import Project, free_port, http_get, web_service

pytestmark = pytest.mark.docker


def _container_ids(app: str) -> dict[str, str]:
    out = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label=dev.shipspec.app={app}", "--format", "{{.Names}} {{.ID}}"],
        check=True, capture_output=True, text=True,
    ).stdout
    return dict(line.split() for line in out.splitlines())


def _two_services(project: Project, port: int, log_level: str) -> dict[str, object]:
    return {
        "version": 1,
        "name": project.app,
        "services": {
            "web": web_service(port, "<h1>web</h1>\n", env={"LOG_LEVEL": log_level}, depends_on={"api": "healthy"}),
            "api": web_service(free_port(), "<h1>api</h1>\n", ports=[{"container": 8080}]),
        },
        "volumes_note": None,
    }


def test_apply_from_nothing_then_noop_then_one_env_change(project: Project) -> None:
    port = free_port()
    doc = _two_services(project, port, "info")
    doc.pop("volumes_note")
    project.write(doc)

    first = project.run("apply", "--yes")
    assert "Apply complete" in first.stdout
    assert http_get(port) == "<h1>web</h1>\n"
    before = _container_ids(project.app)
    proxy = f"{project.app}-shipspec-proxy-1"  # owns web's published port (the proxy is on by default)
    assert set(before) == {f"{project.app}-web-1", f"{project.app}-api-1", proxy}

    noop = project.run("plan", "--detailed-exitcode")
    assert "No changes" in noop.stdout

    doc["services"]["web"]["env"]["LOG_LEVEL"] = "debug"  # type: ignore[index]
    project.write(doc)
    changed = project.run("plan", "--detailed-exitcode", check=False)
    assert changed.returncode == 2, changed.stdout + changed.stderr
    assert 'env.LOG_LEVEL "info" → "debug"' in changed.stdout
    steps = [line for line in changed.stdout.split("Plan:")[0].splitlines() if not line.startswith("Security: ")]
    assert "api" not in "\n".join(steps).replace(f"{project.app}-api", "")

    machine = json.loads(project.run("plan", "--format", "json").stdout)
    assert machine["format_version"] == 1

    project.run("apply", "--yes")
    after = _container_ids(project.app)
    assert after[f"{project.app}-api-1"] == before[f"{project.app}-api-1"], "api must not be recreated"
    assert after[f"{project.app}-web-1"] != before[f"{project.app}-web-1"], "web must be recreated"
    assert after[proxy] == before[proxy], "the proxy keeps running: only its members change"
    assert http_get(port) == "<h1>web</h1>\n"
    assert project.run("plan", "--detailed-exitcode").returncode == 0


def test_a_saved_plan_is_refused_once_the_engine_changed(project: Project) -> None:
    port = free_port()
    project.write({"version": 1, "name": project.app, "services": {"web": web_service(port, "v1\n")}})
    project.run("apply", "--yes")
    project.write({"version": 1, "name": project.app, "services": {"web": web_service(port, "v2\n")}})
    project.run("plan", "--out", "plan.json")

    subprocess.run(["docker", "stop", "-t", "1", f"{project.app}-web-1"], check=True, capture_output=True)
    stale = project.run("apply", "plan.json", check=False)
    assert stale.returncode == 1
    assert "stale" in stale.stderr and f"{project.app}-web-1" in stale.stderr
    assert http_get_or_none(port) is None  # nothing was applied: the container is still stopped

    project.run("plan", "--out", "plan.json")
    project.run("apply", "plan.json")
    assert http_get(port) == "v2\n"


def http_get_or_none(port: int) -> str | None:
    try:
        return http_get(port, timeout=1)
    except OSError:
        return None


def test_apply_without_a_terminal_and_without_yes_changes_nothing(project: Project) -> None:
    project.write({"version": 1, "name": project.app, "services": {"web": web_service(free_port(), "x\n")}})
    refused = project.run("apply", check=False)
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert _container_ids(project.app) == {}


def test_destroy_keeps_named_volumes_unless_asked(project: Project) -> None:
    svc = web_service(free_port(), "data\n", volumes=[{"name": "data", "target": "/data"}])
    project.write({"version": 1, "name": project.app, "services": {"web": svc}})
    project.run("apply", "--yes")
    # As root: Docker creates the volume root-owned and the service runs as 10001 (see the closing note).
    write = ["docker", "exec", "-u", "0", f"{project.app}-web-1", "sh", "-c", "echo kept > /data/file"]
    subprocess.run(write, check=True)

    project.run("destroy", "--yes")
    volumes = subprocess.run(["docker", "volume", "ls", "-q"], check=True, capture_output=True, text=True).stdout
    assert f"{project.app}_data" in volumes.split()
    assert _container_ids(project.app) == {}

    project.run("apply", "--yes")
    kept = subprocess.run(["docker", "exec", f"{project.app}-web-1", "cat", "/data/file"], check=True,
                          capture_output=True, text=True).stdout
    assert kept == "kept\n"

    project.run("destroy", "--yes", "--volumes")
    volumes = subprocess.run(["docker", "volume", "ls", "-q"], check=True, capture_output=True, text=True).stdout
    assert f"{project.app}_data" not in volumes.split()


def test_status_reports_health_ports_and_drift(project: Project) -> None:
    port = free_port()
    project.write({"version": 1, "name": project.app, "services": {"web": web_service(port, "s\n")}})
    project.run("apply", "--yes")
    status = project.run("status")
    # The proxy publishes the port (bound inside it on the same number) and forwards to web's port 8080.
    assert "healthy" in status.stdout and f"127.0.0.1:{port}→{port}/tcp" in status.stdout
    assert "In sync" in status.stdout
    subprocess.run(["docker", "stop", "-t", "1", f"{project.app}-web-1"], check=True, capture_output=True)
    drifted = json.loads(project.run("status", "--format", "json").stdout)
    assert drifted["in_sync"] is False and drifted["drift"]


def test_an_unreachable_engine_is_one_line_and_exit_3(project: Project) -> None:
    project.write({"version": 1, "name": project.app, "services": {"web": web_service(free_port(), "x\n")}})
    done = project.run("plan", check=False, env={"DOCKER_HOST": "tcp://127.0.0.1:1"})
    assert done.returncode == 3
    assert len(done.stderr.strip().splitlines()) == 1
