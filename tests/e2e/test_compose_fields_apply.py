"""Fields real Compose apps need, applied on the real engine: what the container runs with is what the spec says,
and a second plan finds nothing to do (the config hash covers them without churn)."""

from __future__ import annotations

import json
import subprocess

import pytest

from engine import labels as L
from tests.e2e.conftest import Project

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _inspect(app: str) -> dict[str, object]:
    ids = subprocess.run(["docker", "ps", "-q", "--filter", f"label={L.APP}={app}"], check=True,
                         capture_output=True, text=True).stdout.split()
    assert len(ids) == 1, ids
    raw: list[dict[str, object]] = json.loads(
        subprocess.run(["docker", "inspect", ids[0]], check=True, capture_output=True, text=True).stdout)
    return raw[0]


def _exec(container: str, *argv: str) -> str:
    return subprocess.run(["docker", "exec", container, *argv], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_stop_signal_init_hostname_sysctls_and_dotted_env_reach_the_container(project: Project) -> None:
    service = {
        "image": "busybox:1.36",
        "command": ["sleep", "3600"],
        "env": {"discovery.type": "single-node"},
        "stop_signal": "SIGINT",
        "init": False,
        "hostname": "web1",
        "sysctls": {"net.ipv4.ip_unprivileged_port_start": "0"},
        "stop_grace_period": "1s",
    }
    project.write({"version": 1, "name": project.app, "services": {"web": service}})
    project.run("apply", "--yes")
    info = _inspect(project.app)
    config, host = info["Config"], info["HostConfig"]
    assert isinstance(config, dict) and isinstance(host, dict)
    assert "discovery.type=single-node" in config["Env"]
    assert (config["StopSignal"], config["Hostname"], host["Init"]) == ("SIGINT", "web1", False)
    assert host["Sysctls"] == {"net.ipv4.ip_unprivileged_port_start": "0"}
    name = str(info["Name"]).lstrip("/")
    assert _exec(name, "hostname") == "web1"
    assert _exec(name, "cat", "/proc/1/comm") == "sleep", "no init: the command itself is PID 1"
    assert _exec(name, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start") == "0"
    assert project.run("plan", "--detailed-exitcode", check=False).returncode == 0

    service["stop_signal"] = "SIGQUIT"
    project.write({"version": 1, "name": project.app, "services": {"web": service}})
    changed = project.run("plan", "--detailed-exitcode", check=False)
    assert changed.returncode == 2 and "stop_signal" in changed.stdout, changed.stdout
