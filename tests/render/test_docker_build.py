"""Rendered Dockerfiles build on the real engine from LOCAL base images and the containers turn healthy by their own
HEALTHCHECK (no registry is reachable: ``tests/support/pybase.py`` makes the bases once and caches them by tag).

Runs the way Compose runs the service: read-only root, all capabilities dropped, no-new-privileges, a tmpfs /tmp and
the image's own non-root USER. Every image and container carries ``dev.shipspec.test=1`` and is removed afterwards,
even when the test fails. Docker is driven through the ``docker`` CLI; the SDK belongs to engine/adapters.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.render.bundle import Kind, render_bundle
from engine.render.writer import write_bundle
from engine.spec.validate import load_and_validate
from tests.render.examples import example_path
from tests.support.pybase import TEST_LABEL, ensure_busybox_base, ensure_node_base, ensure_python_base

pytestmark = pytest.mark.docker
HEALTH_DEADLINE_S = 120


def docker(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


class Sandbox:
    """Tracks what a test creates so the fixture removes all of it."""

    def __init__(self) -> None:
        self.containers: list[str] = []
        self.images: list[str] = []

    def build(self, dockerfile: Path, context: Path) -> str:
        tag = f"shipspec-test/render-{uuid.uuid4().hex[:12]}:latest"
        self.images.append(tag)
        result = docker("build", "--label", TEST_LABEL, "-f", str(dockerfile), "-t", tag, str(context), timeout=900)
        assert result.returncode == 0, f"docker build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        return tag

    def run(self, image: str) -> str:
        name = f"shipspec-test-{uuid.uuid4().hex[:12]}"
        self.containers.append(name)
        result = docker(
            "run", "-d", "--name", name, "--label", TEST_LABEL, "--read-only", "--tmpfs", "/tmp",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "--init", image,
        )
        assert result.returncode == 0, result.stderr
        return name

    def cleanup(self) -> None:
        for name in self.containers:
            docker("rm", "-f", "-v", name, timeout=120)
        for tag in self.images:
            docker("rmi", "-f", tag, timeout=120)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    try:
        yield box
    finally:
        box.cleanup()


def wait_healthy(name: str) -> str:
    deadline = time.monotonic() + HEALTH_DEADLINE_S
    status = ""
    while time.monotonic() < deadline:
        result = docker("inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", name, timeout=60)
        status = result.stdout.strip()
        if status == "running healthy" or status.startswith(("exited", "dead")):
            break
        time.sleep(1)
    return status


def render_dockerfile(example: str, service: str, runtime: str, base: str, out: Path) -> Path:
    valid = load_and_validate(example_path(example))
    bundle = render_bundle(valid, out_dir=out, only=frozenset({Kind.DOCKERFILE}), base_image_overrides={runtime: base})
    write_bundle(bundle, out)
    dockerfile = out / "docker" / service / "Dockerfile"
    assert f"FROM {base} AS" in dockerfile.read_text()
    return dockerfile


CASES: list[tuple[str, str, str, Callable[[], str]]] = [
    ("storefront", "api", "python", ensure_python_base),
    ("storefront", "web", "node", ensure_node_base),
    ("docs", "site", "static", ensure_busybox_base),
]


@pytest.mark.parametrize(("example", "service", "runtime", "base"), CASES, ids=[c[2] for c in CASES])
def test_rendered_dockerfile_builds_and_turns_healthy(
    sandbox: Sandbox, tmp_path: Path, example: str, service: str, runtime: str, base: Callable[[], str]
) -> None:
    dockerfile = render_dockerfile(example, service, runtime, base(), tmp_path / "out")
    spec = load_and_validate(example_path(example)).spec
    build = spec.services[service].build
    assert build is not None
    image = sandbox.build(dockerfile, example_path(example).parent / build.context)

    user = docker("image", "inspect", "-f", "{{.Config.User}}", image).stdout.strip()
    assert user == "10001:10001", "the image must run as the unprivileged user"
    name = sandbox.run(image)
    status = wait_healthy(name)
    logs = docker("logs", "--tail", "30", name).stdout + docker("logs", "--tail", "30", name).stderr
    assert status == "running healthy", f"{name} ended as {status!r}; last log lines:\n{logs}"
