"""The Swarm proxy's haproxy.cfg (``engine.swarm.proxy``): names checked, and HAProxy's own verdict on the file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine.errors import RenderError
from engine.proxy.config import CONFIG_PATH, proxy_argv
from engine.swarm.proxy import render_swarm_proxy_config

ROWS = [("web-8080", 8080, "shop-web", 8080, "http"), ("db-5432", 5432, "shop-db", 5432, "tcp")]


def test_every_backend_follows_its_service_tasks_by_dns() -> None:
    text = render_swarm_proxy_config(ROWS)
    assert "server-template task 16 tasks.shop-web:8080" in text
    assert "server-template task 16 tasks.shop-db:5432" in text
    assert text.count("retry-on conn-failure") == 1  # HTTP only: a TCP stream cannot be replayed


def test_a_name_that_would_break_the_file_is_refused() -> None:
    with pytest.raises(RenderError):
        render_swarm_proxy_config([("web 8080\n  bind :1", 8080, "shop-web", 8080, "http")])


@pytest.mark.docker
def test_haproxy_accepts_the_swarm_file_without_warnings(proxy_image: str, tmp_path: Path) -> None:
    config = tmp_path / "haproxy.cfg"
    config.write_text(render_swarm_proxy_config(ROWS))
    config.chmod(0o644)
    done = subprocess.run(
        ["docker", "run", "--rm", "--label", "dev.shipspec.test=1", "-v", f"{config}:{CONFIG_PATH}:ro",
         proxy_image, proxy_argv()[0], "-c", "-f", CONFIG_PATH],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
