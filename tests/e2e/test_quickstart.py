"""The README's quickstart: `specs/hello` applied as it is (three replicas behind the proxy, one published port).

The spec is copied unchanged but for its app name and host port, so the test never collides with a real `hello`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Project, free_port, http_get
from tests.support.proxy_image import TAG as PROXY_TAG
from tests.support.proxy_image import ensure_proxy_image

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.docker


def test_the_hello_quickstart_serves_its_page_from_three_replicas_behind_the_proxy(project: Project) -> None:
    ensure_proxy_image()
    doc = yaml.safe_load((ROOT / "specs" / "hello" / "app.yaml").read_text(encoding="utf-8"))
    port = free_port()
    doc["name"] = project.app
    doc["services"]["web"]["ports"][0]["host"] = port
    project.write(doc)
    env = {"SHIPSPEC_PROXY_IMAGE": PROXY_TAG}
    project.run("apply", "--yes", env=env)
    assert "Hello from shipspec" in http_get(port)
    names = subprocess.run(["docker", "ps", "--filter", f"label=dev.shipspec.app={project.app}", "--format",
                            "{{.Names}}"], check=True, capture_output=True, text=True).stdout.split()
    assert sorted(names) == sorted([f"{project.app}-web-{i}" for i in (1, 2, 3)] + [f"{project.app}-shipspec-proxy-1"])
    assert project.run("plan", "--detailed-exitcode", env=env).returncode == 0
    project.run("destroy", "--yes", env=env)
