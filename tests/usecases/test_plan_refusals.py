"""Refusals that only the plan can make (it reads file contents and secret values validation never reads) point
at the spec like validation's own errors: ``file:line:col path: problem``."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PlanError
from tests.usecases.kit import World

SPEC = """\
version: 1
name: shop
services:
  web:
    image: busybox:1.36
    files:
      - target: /etc/app.conf
        source: ./app.conf
  api:
    build:
      context: ./api
      runtime: dockerfile
"""


def _world(tmp_path: Path, conf: bytes, dockerfile: bytes) -> World:
    (tmp_path / "app.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "app.conf").write_bytes(conf)
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Dockerfile").write_bytes(dockerfile)
    return World(tmp_path / "app.yaml")


def test_a_file_source_that_is_not_text_is_refused_at_its_line(tmp_path: Path) -> None:
    world = _world(tmp_path, b"\xff\xfe not utf-8", b"FROM scratch\n")
    with pytest.raises(PlanError) as caught:
        world.prepare()
    assert "app.yaml:8:17 services.web.files[0].source: file source" in str(caught.value)


def test_a_dockerfile_over_the_limit_is_refused_at_the_build_line(tmp_path: Path) -> None:
    world = _world(tmp_path, b"ok\n", b"FROM scratch\n" + b"# padding\n" * 120_000)
    with pytest.raises(PlanError) as caught:
        world.prepare()
    assert "app.yaml:10:5 services.api.build: " in str(caught.value) and "is larger than 1 MiB" in str(caught.value)
