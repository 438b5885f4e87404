"""Zero downtime, end to end: three busybox replicas behind shipspec's proxy on one published port, a bounded HTTP
load on loopback while a rolling update, a blue-green switch, a canary promotion and a failing update (automatic
rollback) run; each must drop no request.

The load: a few threads, a fresh connection per request to 127.0.0.1:<port>, each answer checked against the
versions that may legitimately answer at that moment. It runs while ``shipspec apply`` runs and stops by itself at
the latest after ``MAX_SECONDS`` or ``MAX_REQUESTS``. Each phase prints requests sent / failed / longest gap.
"""

from __future__ import annotations

import http.client
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.conftest import Project, free_port, http_get, web_service
from tests.support.proxy_image import TAG as PROXY_TAG
from tests.support.proxy_image import ensure_proxy_image

pytestmark = [pytest.mark.docker, pytest.mark.slow]

THREADS = 4
PACE_S = 0.02  # between two requests of one thread: ~150 requests/s in all, so the load spans the whole apply
MAX_SECONDS = 60.0  # a rolling update of three replicas on a loaded 2-core machine takes ~10-40 s
MAX_REQUESTS = 8000
FAST = {"interval": "1s", "timeout": "2s", "retries": 2}


@dataclass
class LoadResult:
    sent: int = 0
    failed: int = 0
    longest_gap_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    bodies: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self, phase: str) -> str:
        seen = ", ".join(f"{b.strip()}={n}" for b, n in sorted(self.bodies.items()))
        return (f"{phase}: {self.sent} requests in {self.seconds:.1f} s, {self.failed} failed, longest gap "
                f"{self.longest_gap_s * 1000:.0f} ms ({seen})")


class Load:
    """Bounded load against 127.0.0.1:``port`` until ``stop()`` or its own limits."""

    def __init__(self, port: int, allowed: set[str]) -> None:
        self.port = port
        self.allowed = allowed
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._last_ok = 0.0
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]

    def __enter__(self) -> Load:
        self._began = time.monotonic()
        self._last_ok = self._began
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> LoadResult:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=15)
        self.result.seconds = time.monotonic() - self._began
        return self.result

    def _one(self) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/", headers={"Connection": "close"})
            response = conn.getresponse()
            body = response.read().decode()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {body[:80]!r}")
            return body
        finally:
            conn.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if self.result.sent >= MAX_REQUESTS or time.monotonic() - self._began > MAX_SECONDS:
                    return
                self.result.sent += 1
            try:
                body = self._one()
                error = None if body in self.allowed else f"unexpected body {body!r}"
            except Exception as exc:  # any failure is a dropped request
                body, error = "", f"{type(exc).__name__}: {exc}"
            now = time.monotonic()
            with self._lock:
                if error is None:
                    self.result.longest_gap_s = max(self.result.longest_gap_s, now - self._last_ok)
                    self._last_ok = now
                    self.result.bodies[body] = self.result.bodies.get(body, 0) + 1
                else:
                    self.result.failed += 1
                    if len(self.result.errors) < 10:
                        self.result.errors.append(error)
            self._stop.wait(PACE_S)


def _spec(project: Project, port: int, page: str, strategy: dict[str, Any], health_path: str = "/") -> dict[str, Any]:
    web = web_service(port, page, replicas=3, strategy={**strategy, "drain": "1s", "health_deadline": "15s"})
    web["health"] = {"http": {"path": health_path, "port": 8080}, **FAST}
    return {"version": 1, "name": project.app, "proxy": {"enabled": True}, "services": {"web": web}}


def _apply_under_load(project: Project, port: int, allowed: set[str], expect_ok: bool = True) -> LoadResult:
    with Load(port, allowed) as load:
        done = project.run("apply", "-y", check=None, env=ENV, timeout=300)
        time.sleep(0.5)  # a little traffic after the apply, on what it left
        result = load.stop()
    assert (done.returncode == 0) is expect_ok, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return result


ENV = {"SHIPSPEC_PROXY_IMAGE": PROXY_TAG}


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60, check=False)


def _admin_port_unreachable_from_replicas(project: Project, port: int) -> None:
    """A replica reaches the proxy's frontend on the app network, but its runtime API (port 9999) refuses it."""
    proxy, web = f"{project.app}-shipspec-proxy-1", f"{project.app}-web-1"
    ip = _docker("inspect", "-f", f'{{{{(index .NetworkSettings.Networks "{project.app}").IPAddress}}}}', proxy)
    assert ip.returncode == 0 and ip.stdout.strip(), ip.stderr
    addr = ip.stdout.strip()
    front = _docker("exec", web, "wget", "-q", "-O", "-", f"http://{addr}:{port}/")
    assert front.stdout == "v1\n", front.stderr
    admin = _docker("exec", web, "sh", "-c", f"echo 'show info' | nc -w 3 {addr} 9999")
    assert "HAProxy" not in admin.stdout and "refused" in admin.stderr, admin.stdout + admin.stderr


def test_updates_behind_the_proxy_drop_no_request(project: Project) -> None:
    ensure_proxy_image()
    port = free_port()
    project.write(_spec(project, port, "v1\n", {"type": "rolling"}))
    project.run("apply", "-y", env=ENV, timeout=300)
    assert http_get(port) == "v1\n"
    _admin_port_unreachable_from_replicas(project, port)

    results: dict[str, LoadResult] = {}
    project.write(_spec(project, port, "v2\n", {"type": "rolling", "max_surge": 1, "max_unavailable": 0}))
    results["rolling"] = _apply_under_load(project, port, {"v1\n", "v2\n"})
    assert http_get(port) == "v2\n"

    project.write(_spec(project, port, "v3\n", {"type": "blue_green"}))
    results["blue_green"] = _apply_under_load(project, port, {"v2\n", "v3\n"})
    assert http_get(port) == "v3\n"

    project.write(_spec(project, port, "v4\n", {"type": "canary", "steps": [33, 66, 100], "pause": "2s"}))
    results["canary"] = _apply_under_load(project, port, {"v3\n", "v4\n"})
    assert http_get(port) == "v4\n"

    # The new version never passes its health check: apply fails, rolls back by itself, v4 keeps serving.
    project.write(_spec(project, port, "v5\n", {"type": "rolling"}, health_path="/missing"))
    results["failed health, rollback"] = _apply_under_load(project, port, {"v4\n"}, expect_ok=False)
    assert http_get(port) == "v4\n"

    report = [r.line(phase) for phase, r in results.items()]
    print("\n" + "\n".join(report))
    for phase, r in results.items():
        assert r.sent > 50, f"{phase}: too little load to mean anything: {r.sent}"
        assert r.seconds < MAX_SECONDS and r.sent < MAX_REQUESTS, f"{phase}: the load stopped before the apply"
        assert r.failed == 0, f"{phase}: {r.failed} failed requests: {r.errors}\n" + "\n".join(report)
