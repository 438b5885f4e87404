"""Session fixture: a real three-node swarm (``scripts/swarm up``), torn down (``scripts/swarm down``) afterwards.

The local images the suite runs (busybox, HAProxy) are built on the default engine once and copied onto every node
with ``docker save | docker load``, since Swarm never moves images and no registry is reachable. Root is required
(network namespaces); without it the suite skips locally and fails in CI, like the other Docker suites.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.busybox import TAG as BUSYBOX_TAG
from tests.support.docker_fixtures import SESSION, app_name, busybox_image
from tests.support.proxy_image import TAG as PROXY_TAG
from tests.support.proxy_image import ensure_proxy_image
from tests.support.swarm import NODES, Swarm

__all__ = ["app_name", "busybox_image"]


@pytest.fixture(scope="session")
def swarm(busybox_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Swarm]:
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the Swarm suite needs root in CI (network namespaces)")
        pytest.skip("the Swarm suite needs root (network namespaces, a private dockerd per node)")
    ensure_proxy_image()
    cluster = Swarm(prefix=f"ss{SESSION}-", state_dir=Path(tmp_path_factory.mktemp("swarm")))
    try:
        up = cluster.script("up", BUSYBOX_TAG, "busybox:1.36", PROXY_TAG, "haproxy:2.6", timeout=600)
        if up.returncode != 0:
            pytest.fail(f"scripts/swarm up failed:\n{up.stdout}\n{up.stderr}")
        yield cluster
    finally:
        down = cluster.script("down")
        assert down.returncode == 0, down.stderr


SHIPSPEC = shutil.which("shipspec", path=str(Path(sys.executable).parent)) or "shipspec"
_ports = itertools.count(18100)


@dataclass
class SwarmProject:
    """A spec in its own folder whose target is the test swarm, and the CLI run against it."""

    root: Path
    app: str
    cluster: Swarm
    port: int

    @property
    def spec(self) -> Path:
        return self.root / "app.yaml"

    def write(self, doc: dict[str, object]) -> None:
        self.spec.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(self.root / ".state"),
                    "SHOP_DB_PASSWORD": "s3cret", **(env or {})}
        done = subprocess.run([SHIPSPEC, *args], cwd=self.root, env=full_env, capture_output=True, text=True,
                              timeout=timeout, check=False, stdin=subprocess.DEVNULL)
        assert "Traceback" not in done.stderr, done.stderr
        if check:
            assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def service(self, name: str) -> dict[str, Any]:
        done = self.cluster.docker("service", "inspect", f"{self.app}-{name}")
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout)[0])

    def env_of(self, name: str) -> list[str]:
        return list(self.service(name)["Spec"]["TaskTemplate"]["ContainerSpec"].get("Env", []))

    def labelled(self, kind: str, node: str = "n1") -> list[str]:
        done = self.cluster.docker(kind, "ls", "-q", "--filter", f"label=dev.shipspec.app={self.app}", node=node)
        return done.stdout.split()

    def get(self, node: str = "n1") -> str:
        """One request through the proxy's host-mode port on ``node``, from the lan namespace."""
        done = self.cluster.lan_exec(["busybox", "nc", "-w", "3", Swarm.address(node), str(self.port)],
                                     stdin="GET / HTTP/1.0\r\n\r\n")
        return done.stdout

    def remove_all(self) -> None:
        for service in self.labelled("service"):
            self.cluster.docker("service", "rm", service)
        for _ in range(60):
            if not any(self.cluster.docker("ps", "-aq", "--filter", f"label=dev.shipspec.app={self.app}",
                                           node=n).stdout.split() for n in NODES):
                break
            time.sleep(0.5)
        for kind in ("secret", "config", "network"):
            for obj in self.labelled(kind):
                self.cluster.docker(kind, "rm", obj)
        for node in NODES:
            for volume in self.labelled("volume", node):
                self.cluster.docker("volume", "rm", "-f", volume, node=node)


def shop_spec(project: SwarmProject, *, greeting: str = "hello", api_health: str = "/",
              web_replicas: int = 3) -> dict[str, Any]:
    """Three services on the swarm: a database pinned to n2 with a secret and a volume, a web tier behind the
    proxy (published on n1), and an api that depends on the web tier (so a failing api comes after web)."""
    httpd = ("mkdir -p /tmp/www && echo \"$GREETING from $(hostname)\" > /tmp/www/index.html "
             "&& exec httpd -f -p {port} -h /tmp/www")
    health = {"interval": "1s", "timeout": "1s", "retries": 2}
    return {
        "version": 1,
        "name": project.app,
        "target": {"type": "swarm", "docker_host": project.cluster.manager},
        "proxy": {"image": "shipspec-test/haproxy:2.6", "placement": {"constraints": ["node.hostname==n1"]}},
        "labels": {"dev.shipspec.test": "1"},
        "services": {
            "db": {
                "image": "shipspec-test/busybox:1.36",
                "command": ["sh", "-c", "test -s $DB_PASSWORD_FILE && mkdir -p /data/www && rm -f /data/www/index.html "
                            "&& cp $DB_PASSWORD_FILE "
                            "/data/www/index.html && exec httpd -f -p 5432 -h /data/www"],
                "secrets": {"DB_PASSWORD": {"env": "SHOP_DB_PASSWORD"}},
                "volumes": [{"name": "dbdata", "target": "/data"}],
                "placement": {"constraints": ["node.hostname==n2"]},
                "security": {"run_as_root": True},
                "health": {"http": {"path": "/", "port": 5432}, **health},
                "strategy": {"type": "recreate", "health_deadline": "30s"},
                "stop_grace_period": "2s",
            },
            "web": {
                "image": "shipspec-test/busybox:1.36",
                "command": ["sh", "-c", httpd.format(port=8080)],
                "ports": [{"container": 8080, "host": project.port}],
                "replicas": web_replicas,
                "env": {"GREETING": greeting},
                "tmpfs": ["/tmp"],
                "placement": {"spread": ["node.id"]},
                "health": {"http": {"path": "/"}, **health},
                "strategy": {"type": "rolling", "max_surge": 1, "health_deadline": "30s"},
                "depends_on": {"db": "healthy"},
                "stop_grace_period": "2s",
            },
            "api": {
                "image": "shipspec-test/busybox:1.36",
                "command": ["sh", "-c", httpd.format(port=8081)],
                "ports": [{"container": 8081}],
                "replicas": 2,
                "env": {"GREETING": greeting},
                "tmpfs": ["/tmp"],
                "health": {"http": {"path": api_health, "port": 8081}, **health},
                "strategy": {"type": "rolling", "max_surge": 1, "health_deadline": "20s"},
                "depends_on": {"web": "healthy"},
                "stop_grace_period": "2s",
            },
        },
    }


@pytest.fixture
def project(swarm: Swarm, tmp_path: Path, app_name: str) -> Iterator[SwarmProject]:
    proj = SwarmProject(tmp_path, app_name, swarm, next(_ports))
    try:
        yield proj
    finally:
        proj.remove_all()
