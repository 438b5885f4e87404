"""Fixtures for deploying whole examples: local base images, the look-alikes of official images, the proxy image,
and one deployment folder per test whose app is removed afterwards (pass or fail)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.examples.harness import Deployment, copy_example
from tests.support.busybox import ensure_busybox_image
from tests.support.docker_fixtures import app_name
from tests.support.lookalikes import ensure_lookalikes
from tests.support.proxy_image import TAG as PROXY_TAG
from tests.support.proxy_image import ensure_proxy_image
from tests.support.pybase import ensure_busybox_base, ensure_node_base

__all__ = ["app_name"]

DeploymentFactory = Callable[..., Deployment]


@pytest.fixture(scope="session")
def local_images(docker_engine: None) -> dict[str, str]:
    """Every image an example or corpus app names, built locally once per machine (cached by tag)."""
    images = ensure_lookalikes()
    ensure_busybox_image()  # also busybox:1.36, the hello example's image
    ensure_proxy_image()
    return {
        "SHIPSPEC_BASE_IMAGE_PYTHON": images["python"],
        "SHIPSPEC_BASE_IMAGE_NODE": ensure_node_base(),
        "SHIPSPEC_BASE_IMAGE_STATIC": ensure_busybox_base(),
        "SHIPSPEC_PROXY_IMAGE": PROXY_TAG,
    }


@pytest.fixture
def deploy(tmp_path: Path, app_name: str, local_images: dict[str, str]) -> DeploymentFactory:
    """``deploy(folder, extra=None, **env)``: a copy of the example at ``folder`` ready to apply as ``app_name``."""

    def make(folder: Path, extra: Path | None = None, **env: str) -> Deployment:
        root = tmp_path / folder.name
        ports = copy_example(folder, root, app_name, extra)
        return Deployment(root, app_name, {**local_images, **env}, ports)

    return make


def password() -> str:
    return secrets.token_hex(12)
