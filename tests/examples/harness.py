"""Deploy a whole example for real: copy its folder, give it a unique name and free host ports, run the installed
``shipspec`` against the shared engine with local base images and look-alikes, and look at what runs.

The copy keeps the example as shipped except the app name (tests share one engine) and the published host ports
(other engineers' tests run at the same time). Containers are read with the ``docker`` CLI, never the gateway
under test. HTTP goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine import labels as L

SHIPSPEC = str(Path(sys.executable).parent / "shipspec")
LOAD_THREADS = 3
LOAD_PACE_S = 0.03
LOAD_MAX_SECONDS = 240.0
LOAD_MAX_REQUESTS = 12000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(port: int, path: str = "/", method: str = "GET", timeout: float = 10.0) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


def docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr}"
    return done.stdout


@dataclass
class Deployment:
    """One example, copied under ``root`` as app ``app``; ``ports`` maps each shipped host port to the free one."""

    root: Path
    app: str
    env: dict[str, str]
    ports: dict[int, int] = field(default_factory=dict)

    @property
    def spec(self) -> Path:
        return self.root / "app.yaml"

    def run(self, *args: str, check: bool = True, timeout: float = 900,
            without: frozenset[str] = frozenset()) -> subprocess.CompletedProcess[str]:
        full = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(self.root / ".state"), **self.env}
        for name in without:
            full.pop(name, None)
        done = subprocess.run([SHIPSPEC, *args, "-f", str(self.spec)], cwd=self.root, env=full, capture_output=True,
                              text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
        assert "Traceback" not in done.stderr, done.stderr
        if check:
            assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr}"
        return done

    def document(self) -> dict[str, Any]:
        return dict(yaml.safe_load(self.spec.read_text(encoding="utf-8")))

    def write(self, doc: dict[str, Any]) -> None:
        self.spec.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    def containers(self) -> list[dict[str, Any]]:
        ids = docker("ps", "-aq", "--filter", f"label={L.APP}={self.app}").split()
        return list(json.loads(docker("inspect", *ids))) if ids else []

    def volumes(self) -> list[str]:
        return docker("volume", "ls", "-q", "--filter", f"label={L.APP}={self.app}").split()

    def published(self) -> list[tuple[str, int]]:
        """(service, host port) for every published port of the spec as deployed."""
        services = self.document()["services"]
        return [(name, p["host"]) for name, svc in services.items() for p in svc.get("ports", []) if p.get("host")]

    def assert_running_and_healthy(self, settle_s: float = 60.0) -> None:
        """Every container running and healthy by Docker's own check. shipspec's gate may pass on the service's own
        health command before Docker's first interval has run, so a container still ``starting`` is given (bounded)
        time for Docker to agree; an unhealthy one fails at once."""
        deadline = time.monotonic() + settle_s
        found = self.containers()
        while time.monotonic() < deadline and any(
                c["State"].get("Health", {}).get("Status") == "starting" for c in found):
            time.sleep(0.5)
            found = self.containers()
        assert found, f"no containers for {self.app}"
        for c in found:
            state = c["State"]
            health = state.get("Health", {}).get("Status", "none")
            assert state["Status"] == "running" and health in {"healthy", "none"}, (
                f"{c['Name']}: {state['Status']}/{health}\n{docker('logs', '--tail', '30', c['Id'])}")
        declared = {n for n, s in self.document()["services"].items() if s.get("replicas", 1) > 0}
        running = {c["Config"]["Labels"].get(L.SERVICE) for c in found}
        assert declared <= running, f"services without a container: {declared - running}"


def copy_example(source: Path, root: Path, app: str, extra: Path | None = None) -> dict[int, int]:
    """Copy ``source`` (and the folders under ``extra``) into ``root``; rename the app, move host ports."""
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("deploy", ".shipspec", "__pycache__"))
    if extra is not None:
        for folder in extra.iterdir():
            shutil.copytree(folder, root / folder.name)
    path = root / "app.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["name"] = app
    moved: dict[int, int] = {}
    for svc in doc["services"].values():
        for port in svc.get("ports", []):
            if port.get("host"):
                moved[port["host"]] = moved.get(port["host"]) or free_port()
                port["host"] = moved[port["host"]]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return moved


@dataclass
class LoadResult:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.sent} requests, {self.failed} failed {self.errors[:5]}"


class Load:
    """GET requests to 127.0.0.1 on a few threads until stopped, bounded in time and count; a non-2xx answer or
    any error counts as a failed request."""

    def __init__(self, ports: list[int], path: str = "/") -> None:
        self.ports, self.path = ports, path
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(LOAD_THREADS)]

    def __enter__(self) -> Load:
        self._began = time.monotonic()
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)

    def _run(self, index: int) -> None:
        while not self._stop.is_set():
            with self._lock:
                if self.result.sent >= LOAD_MAX_REQUESTS or time.monotonic() - self._began > LOAD_MAX_SECONDS:
                    return
                self.result.sent += 1
                port = self.ports[(self.result.sent + index) % len(self.ports)]
            try:
                status, body = fetch(port, self.path)
                error = None if 200 <= status < 300 else f":{port} HTTP {status} {body[:80]!r}"
            except Exception as exc:  # any failure is a dropped request
                error = f":{port} {type(exc).__name__}: {exc}"
            if error is not None:
                with self._lock:
                    self.result.failed += 1
                    self.result.errors.append(error)
            self._stop.wait(LOAD_PACE_S)


def set_env(doc: dict[str, Any], services: list[str], key: str, value: str) -> None:
    for name in services:
        doc["services"][name].setdefault("env", {})[key] = value


def apply_under_load(deployment: Deployment, ports: list[int], path: str = "/") -> LoadResult:
    with Load(ports, path) as load:
        deployment.run("apply", "-y")
        time.sleep(0.5)  # a little traffic on what the apply left
    assert load.result.sent > 20, f"too little load to mean anything: {load.result.summary()}"
    return load.result
