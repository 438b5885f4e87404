"""Pytest fixtures for tests against the real Docker engine: the local busybox image, a unique app per test, a
real gateway, and cleanup that removes what a test created even when it fails.

Several engineers (and CI jobs) share one engine, so cleanup is scoped: after each test, every container, network
and volume labelled with that test's app goes; at the end of the session, every object labelled
``dev.shipspec.test=1`` whose app belongs to this session goes too. Cleanup uses the ``docker`` CLI, not the gateway
under test. Tests label everything with ``object_labels(app)``.
"""

from __future__ import annotations

import itertools
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import labels as L
from engine.adapters.docker import DockerSdkGateway
from tests.support.busybox import ensure_busybox_image

SESSION = uuid.uuid4().hex[:6]
_counter = itertools.count(1)


def object_labels(app: str, **extra: str) -> dict[str, str]:
    """The labels every test object carries: the app's (so observe sees it) and the test sweep label."""
    return {L.APP: app, L.MANAGED: "true", L.TEST: "1", **extra}


def _docker(*args: str) -> list[str]:
    done = subprocess.run(["docker", *args], check=False, capture_output=True, text=True, timeout=120)
    return done.stdout.split()


def remove_labelled(label: str, app_prefix: str | None = None) -> None:
    """Remove containers first (they hold networks and volumes), then networks, then volumes."""

    def select(kind: list[str], fmt: str) -> list[str]:
        rows = _docker(*kind, "--filter", f"label={label}", "--format", fmt)
        if app_prefix is None:
            return [row.split("|")[0] for row in rows]
        return [row.split("|")[0] for row in rows if row.partition("|")[2].startswith(app_prefix)]

    app_label = f'{{{{.Label "{L.APP}"}}}}'
    containers = select(["ps", "-a"], f"{{{{.ID}}}}|{app_label}")
    if containers:
        _docker("rm", "-f", "-v", *containers)
    networks = select(["network", "ls"], f"{{{{.ID}}}}|{app_label}")
    if networks:
        _docker("network", "rm", *networks)
    volumes = select(["volume", "ls"], f"{{{{.Name}}}}|{app_label}")
    if volumes:
        _docker("volume", "rm", "-f", *volumes)


def release_tags(app: str) -> list[str]:
    """The ``shipspec-release/<app>-…:rN`` tags the engine has for one app (its environments included)."""
    rows = _docker("images", "--filter", f"reference=shipspec-release/{app}-*", "--format", "{{.Repository}}:{{.Tag}}")
    return sorted(row for row in rows if row.startswith(f"shipspec-release/{app}-"))


def remove_release_tags(app: str) -> None:
    """Untag the app's release images (the images stay while another name holds them)."""
    tags = release_tags(app)
    if tags:
        _docker("rmi", *tags)


@pytest.fixture(scope="session")
def busybox_image(docker_engine: None) -> Iterator[str]:
    """The local busybox image's ID (built once, reused by tag); also tagged busybox:1.36. Sweeps this session's
    leftovers at the end."""
    yield ensure_busybox_image()
    remove_labelled(f"{L.TEST}=1", app_prefix=f"t{SESSION}-")


@pytest.fixture
def app_name(docker_engine: None) -> Iterator[str]:
    """A unique app name for one test; everything labelled with it is removed afterwards, pass or fail."""
    name = f"t{SESSION}-{next(_counter)}"
    yield name
    remove_labelled(f"{L.APP}={name}")
    remove_release_tags(name)


@pytest.fixture
def gateway(tmp_path: Path, docker_engine: None) -> DockerSdkGateway:
    """A real gateway with its own state directory for file mounts."""
    return DockerSdkGateway(tmp_path / "state")
