"""End-to-end tests: the installed ``shipspec`` in a subprocess against the real Docker engine."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.docker_fixtures import app_name, busybox_image
from tests.support.proxy_image import ensure_proxy_image

__all__ = ["app_name", "busybox_image"]

SHIPSPEC = shutil.which("shipspec", path=str(Path(sys.executable).parent)) or "shipspec"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(port: int, timeout: float = 3.0) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as response:
        return str(response.read().decode())


@dataclass
class Project:
    """A spec in its own folder, and the CLI run against it with an isolated state directory."""

    root: Path
    app: str

    @property
    def spec(self) -> Path:
        return self.root / "app.yaml"

    def write(self, doc: dict[str, object]) -> None:
        self.spec.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    def run(self, *args: str, check: bool | None = True, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(self.root / ".state"), **(env or {})}
        done = subprocess.run([SHIPSPEC, *args], cwd=self.root, env=full_env, capture_output=True, text=True,
                              timeout=timeout, check=False, stdin=subprocess.DEVNULL)
        assert "Traceback" not in done.stderr, done.stderr
        if check is True:
            assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


def web_service(port: int, page: str, **extra: object) -> dict[str, object]:
    """A busybox httpd service serving ``page``, published on 127.0.0.1:``port``, with a health check."""
    svc: dict[str, object] = {
        "image": "busybox:1.36",
        "command": ["httpd", "-f", "-p", "8080", "-h", "/www"],
        "ports": [{"container": 8080, "host": port}],
        "files": [{"target": "/www/index.html", "content": page}],
        "health": {"http": {"path": "/", "port": 8080}, "interval": "1s", "timeout": "2s", "retries": 3},
        "stop_grace_period": "2s",
    }
    svc.update(extra)
    return svc


@pytest.fixture
def project(tmp_path: Path, app_name: str, busybox_image: str, proxy_image: str) -> Project:
    return Project(tmp_path, app_name)


@pytest.fixture(scope="session")
def proxy_image(docker_engine: None) -> str:
    """HAProxy built locally from Debian's package, also tagged haproxy:2.6 (the proxy's default image)."""
    return ensure_proxy_image()


ProjectFactory = Callable[[], Project]
