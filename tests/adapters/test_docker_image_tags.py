"""The gateway lists one repository's tags exactly (no other repository sharing its prefix) and untags by name,
leaving the image to the names that still hold it. Real engine; cleanup through the docker CLI."""

from __future__ import annotations

import subprocess

import pytest

from engine.adapters.docker import DockerSdkGateway
from tests.support.docker_fixtures import remove_release_tags

pytestmark = pytest.mark.docker


def test_image_tags_of_one_repository_and_untagging(gateway: DockerSdkGateway, app_name: str,
                                                      busybox_image: str) -> None:
    repo = f"shipspec-release/{app_name}-web"
    names = [f"{repo}:r1", f"{repo}:r2", f"shipspec-release/{app_name}-web2:r1"]
    try:
        for name in names:
            gateway.tag_image(busybox_image, name)
        assert gateway.image_tags(repo) == [f"{repo}:r1", f"{repo}:r2"]
        gateway.remove_image(f"{repo}:r1")
        assert gateway.image_tags(repo) == [f"{repo}:r2"]
        assert gateway.image_id(f"{repo}:r2") == busybox_image  # the image itself stays
        assert gateway.image_tags(f"shipspec-release/{app_name}-none") == []
    finally:
        remove_release_tags(app_name)
    done = subprocess.run(["docker", "images", "-q", f"shipspec-release/{app_name}-*"], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == ""
