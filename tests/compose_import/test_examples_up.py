"""Compose runs what shipspec renders, for real: every example in specs/, rendered with the local base images,
comes up with Docker Compose v2's `up -d --wait` (every service running, and healthy where it has a check), every
published port answers over HTTP, and `down -v` leaves nothing behind. Replicas that share a host port come up
behind the rendered proxy, as shipspec runs them. Only the app name and the host ports differ from the shipped
spec (the engine is shared); the images are the look-alikes of the official ones and local bases."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.examples.conftest import local_images  # noqa: F401 (a fixture)
from tests.examples.harness import copy_example, fetch
from tests.examples.test_examples import OPERATOR, PATHS, SPECS
from tests.support.docker_fixtures import app_name  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.docker, pytest.mark.judges, pytest.mark.slow]
EXAMPLES = ["hello", "docs", "jobs", "shop", "storefront"]


def _compose(compose_v2: list[str], project: str, file: Path, environ: dict[str, str],
             *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*compose_v2, "-p", project, "-f", str(file), *args], capture_output=True, text=True,
                          check=False, timeout=timeout, env=environ)


def _published(compose_file: Path) -> list[tuple[str, int]]:
    """(service, host port) for every published port of the rendered file (short syntax IP:HOST:CONTAINER)."""
    doc = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    return [(name, int(str(port).split(":")[-2])) for name, svc in doc["services"].items()
            for port in svc.get("ports", [])]


@pytest.mark.parametrize("example", EXAMPLES)
def test_compose_up_wait_runs_the_rendered_example(
    example: str, tmp_path: Path, app_name: str, compose_v2: list[str],  # noqa: F811
    local_images: dict[str, str],  # noqa: F811
) -> None:
    root = tmp_path / example
    copy_example(SPECS / example, root, app_name)
    if example == "jobs":
        (root / "secrets" / "reports_s3_key").write_text(secrets.token_hex(8), encoding="utf-8")
    environ = {**os.environ, **local_images, **{k: secrets.token_hex(8) for k in OPERATOR.get(example, {})}}
    shipspec = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "shipspec"
    rendered = subprocess.run([str(shipspec), "render", "--only", "compose,dockerfile"], cwd=root,
                              env=environ, capture_output=True, text=True, check=False, timeout=120)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    compose_file = root / "deploy" / "base" / "compose.yaml"
    try:
        up = _compose(compose_v2, app_name, compose_file, environ, "up", "-d", "--wait", "--wait-timeout", "240")
        assert up.returncode == 0, up.stdout + up.stderr
        published = _published(compose_file)
        assert published or example == "jobs", "an example with a web page publishes it"
        for service, port in published:
            status, body = fetch(port, PATHS.get(example, "/"))
            assert status == 200, f"{service} on :{port} answered {status}: {body[:200]}"
    finally:
        down = _compose(compose_v2, app_name, compose_file, environ, "down", "-v", "--remove-orphans")
    assert down.returncode == 0, down.stderr
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={app_name}"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert left == [], f"compose down left containers: {left}"
