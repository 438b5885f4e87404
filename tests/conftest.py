"""Suite-wide rules: Docker tests run against a real engine and never skip silently in CI.

A test marked ``docker`` asks for the ``docker_engine`` fixture (directly or through another fixture). Locally,
with no engine answering, those tests skip with the reason; with ``CI`` set they fail instead, because CI starts
the engine (``scripts/docker-up``) and a skipped Docker test there would hide a broken set-up.
"""

from __future__ import annotations

import os
import subprocess

import pytest


def _engine_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], check=False, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """Require a Docker engine: skip locally without one, fail in CI."""
    if _engine_answers():
        return
    if os.environ.get("CI"):
        pytest.fail("no Docker engine answers in CI; scripts/docker-up should have started one")
    pytest.skip("no Docker engine answers (run scripts/docker-up)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("docker") is not None and "docker_engine" not in getattr(item, "fixturenames", []):
            item.fixturenames.insert(0, "docker_engine")  # type: ignore[attr-defined]
