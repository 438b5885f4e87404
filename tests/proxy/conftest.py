"""A real HAProxy (the local image from Debian's package) in front of busybox httpd backends on a user-defined
network, all labelled with the test's app and ``dev.shipspec.test=1`` and removed after each test, pass or fail.

The proxy's frontend and admin ports are published on 127.0.0.1 only (Docker picks free ports); traffic goes only
there. Built with the ``docker`` CLI, like the other fixtures, so nothing here depends on the gateway.
"""

from __future__ import annotations

import http.client
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.proxy import ADMIN_PORT, CONFIG_PATH, HaproxyRuntime, ProxyFrontend, proxy_argv, render_proxy_config
from tests.support.docker_fixtures import app_name, busybox_image, object_labels
from tests.support.proxy_image import TAG as PROXY_TAG
from tests.support.proxy_image import ensure_proxy_image

__all__ = ["app_name", "busybox_image", "lab", "proxy_image"]

BACKEND = "web"
FRONTEND_PORT = 8080
BACKEND_PORT = 8000


def docker(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(["docker", *args], check=False, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def label_args(labels: dict[str, str]) -> list[str]:
    return [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]


def published_port(container: str, port: int) -> int:
    line = docker("port", container, f"{port}/tcp").splitlines()[0]  # "127.0.0.1:49153"
    host, _, number = line.rpartition(":")
    assert host == "127.0.0.1", line
    return int(number)


@pytest.fixture(scope="session")
def proxy_image(docker_engine: None) -> str:
    return ensure_proxy_image()


@dataclass
class Lab:
    app: str
    network: str
    proxy: str
    frontend_port: int
    runtime: HaproxyRuntime
    backends: dict[str, str] = field(default_factory=dict)  # name → IP on the lab network

    def start_backend(self, name: str) -> str:
        """A busybox httpd answering ``<name>`` on / and /healthz; returns its IP on the lab network."""
        script = (
            f"mkdir -p /www && echo {name} > /www/index.html && echo ok > /www/healthz"
            f" && exec httpd -f -p {BACKEND_PORT} -h /www"
        )
        container = f"{self.app}-{name}"
        docker(
            "run", "-d", "--init", "--name", container, "--network", self.network,
            *label_args(object_labels(self.app, **{"dev.shipspec.service": name})),
            "--read-only", "--tmpfs", "/www", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "shipspec-test/busybox:1.36", "sh", "-c", script,
        )  # fmt: skip
        ip = docker("inspect", "-f", f'{{{{(index .NetworkSettings.Networks "{self.network}").IPAddress}}}}', container)
        self.backends[name] = ip
        return ip

    def start_scripted_backend(self, name: str, answer: str) -> str:
        """A busybox ``nc`` server that reads each request's head and then runs the shell text ``answer`` (its
        stdout is the connection): how a test makes a server answer 500, cut an answer short or close without one.
        Returns its IP on the lab network."""
        head = 'while read -r line; do [ "${#line}" -le 1 ] && break; done; '
        script = f"printf '%s\\n' '{head}{answer}' > /tmp/answer && exec nc -ll -p {BACKEND_PORT} -e sh /tmp/answer"
        container = f"{self.app}-{name}"
        docker(
            "run", "-d", "--init", "--name", container, "--network", self.network,
            *label_args(object_labels(self.app, **{"dev.shipspec.service": name})),
            "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "shipspec-test/busybox:1.36", "sh", "-c", script,
        )  # fmt: skip
        ip = docker("inspect", "-f", f'{{{{(index .NetworkSettings.Networks "{self.network}").IPAddress}}}}', container)
        self.backends[name] = ip
        return ip

    def stop_backend(self, name: str) -> None:
        docker("rm", "-f", f"{self.app}-{name}")

    def get(self, path: str = "/", timeout: float = 5.0) -> tuple[int, str]:
        """One request on a fresh connection through the proxy's published port."""
        conn = http.client.HTTPConnection("127.0.0.1", self.frontend_port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode().strip()
        finally:
            conn.close()


@pytest.fixture
def lab(app_name: str, proxy_image: str, busybox_image: str, tmp_path: Path) -> Iterator[Lab]:
    """The proxy (running the way shipspec runs it: read-only, no capabilities, unprivileged) with an empty
    backend ``web``; backends are started by the test."""
    labels = object_labels(app_name)
    network = f"{app_name}-net"
    docker("network", "create", *label_args(labels), network)
    config = tmp_path / "haproxy.cfg"
    frontend = ProxyFrontend(BACKEND, FRONTEND_PORT, BACKEND_PORT, health_path="/healthz")
    config.write_text(render_proxy_config([frontend]))
    config.chmod(0o644)
    proxy = f"{app_name}-proxy"
    docker(
        "run", "-d", "--name", proxy, "--network", network, *label_args(labels),
        "-p", f"127.0.0.1::{FRONTEND_PORT}", "-p", f"127.0.0.1::{ADMIN_PORT}",
        "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "-v", f"{config}:{CONFIG_PATH}:ro", PROXY_TAG, *proxy_argv(),
    )  # fmt: skip
    runtime = HaproxyRuntime("127.0.0.1", published_port(proxy, ADMIN_PORT), timeout_s=5.0)
    try:
        runtime.wait_ready(deadline_s=15)
    except Exception:
        print(docker("logs", proxy))
        raise
    yield Lab(app_name, network, proxy, published_port(proxy, FRONTEND_PORT), runtime)
