"""Between applies: the proxy and the replicas come back by themselves, with no apply and no shipspec process.

Three busybox replicas behind the proxy, each answering its own hostname, under a bounded HTTP load on loopback
(``benchmarks.probe``). Faults, one after another on the same app: ``docker restart`` of the proxy, ``kill -9`` of
HAProxy from the host, and ``kill -9`` of one replica's process. After each, the app must serve again
from every replica it had, without shipspec running, and ``plan`` must show no drift. The figures (failed
requests, longest gap, time to serve again) are printed; only the replica fault must cost no request (HAProxy
retries a refused connection on another server, and its check takes the replica out until it is back).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

import pytest

from benchmarks.probe import Probe
from benchmarks.reliability import serving_process
from tests.e2e.conftest import Project, free_port
from tests.support.proxy_image import TAG as PROXY_TAG

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ENV = {"SHIPSPEC_PROXY_IMAGE": PROXY_TAG}
SERVE_DEADLINE_S = 60.0  # waiting for the app to come back; far above the few seconds it takes
SETTLE_S = 4.0  # serving again = every replica answered and nothing failed for this long (a fault shows sooner)
WHOAMI = "mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"


def _spec(project: Project, port: int) -> dict[str, Any]:
    web = {
        "image": "busybox:1.36",
        "command": ["sh", "-c", WHOAMI],
        "tmpfs": ["/tmp"],
        "ports": [{"container": 8080, "host": port}],
        "replicas": 3,
        "health": {"http": {"path": "/", "port": 8080}, "interval": "1s", "timeout": "2s", "retries": 2},
        "stop_grace_period": "2s",
        "strategy": {"type": "rolling", "drain": "1s", "health_deadline": "20s"},
    }
    return {"version": 1, "name": project.app, "proxy": {"enabled": True}, "services": {"web": web}}


def _docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _pid(container: str) -> int:
    return int(_docker("inspect", "-f", "{{.State.Pid}}", container))


def _serving_all(probe: Probe, replicas: set[str]) -> None:
    """Wait (bounded) until every replica answered, and nothing failed, for ``SETTLE_S``."""
    end = time.monotonic() + SERVE_DEADLINE_S
    while time.monotonic() < end:
        if replicas <= probe.settled(SETTLE_S):
            return
        time.sleep(0.2)
    pytest.fail(f"not every replica answers again: {probe.report().bodies}")


def _healthy(container: str) -> None:
    """Wait (bounded) for Docker's own health check: the plan waits for it too, rightly."""
    end = time.monotonic() + SERVE_DEADLINE_S
    while _docker("inspect", "-f", "{{.State.Health.Status}}", container) != "healthy":
        assert time.monotonic() < end, f"{container} is not healthy again"
        time.sleep(0.3)


def _no_drift(project: Project) -> None:
    done = project.run("plan", "--detailed-exitcode", check=None, env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr


def test_proxy_and_replicas_come_back_serving_without_an_apply(project: Project) -> None:
    port = free_port()
    project.write(_spec(project, port))
    project.run("apply", "-y", env=ENV, timeout=300)
    proxy = f"{project.app}-shipspec-proxy-1"
    figures = []
    with Probe(port) as probe:
        time.sleep(1)
        replicas = set(probe.report().bodies)
        assert len(replicas) == 3, probe.report().bodies

        probe.mark()
        _docker("restart", proxy)
        _serving_all(probe, replicas)
        figures.append(probe.report().line("docker restart of the proxy"))
        _no_drift(project)

        probe.mark()
        master = serving_process(_pid(proxy), "haproxy")
        assert master != _pid(proxy), "HAProxy runs under the container's init and supervisor"
        os.kill(master, signal.SIGKILL)
        _serving_all(probe, replicas)
        figures.append(probe.report().line("kill -9 of HAProxy"))
        _no_drift(project)

        victim = f"{project.app}-web-2"
        probe.mark()
        os.kill(serving_process(_pid(victim), "httpd"), signal.SIGKILL)
        _serving_all(probe, replicas)
        time.sleep(2)  # a little load on the replica that came back
        replica = probe.report()
        figures.append(replica.line("kill -9 of one replica"))
    print("\n" + "\n".join(figures))
    assert replica.failed == 0, figures[-1]
    _healthy(victim)
    _no_drift(project)
