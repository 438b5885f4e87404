"""Session fixture: a real three-node swarm (``scripts/swarm up``), torn down (``scripts/swarm down``) afterwards.

The local images the suite runs (busybox, HAProxy) are built on the default engine once and copied onto every node
with ``docker save | docker load``, since Swarm never moves images and no registry is reachable. Root is required
(network namespaces); without it the suite skips locally and fails in CI, like the other Docker suites.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.busybox import TAG as BUSYBOX_TAG
from tests.support.docker_fixtures import SESSION, busybox_image
from tests.support.proxy_image import TAG as PROXY_TAG
from tests.support.proxy_image import ensure_proxy_image
from tests.support.swarm import Swarm

__all__ = ["busybox_image"]


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
