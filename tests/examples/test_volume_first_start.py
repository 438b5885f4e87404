"""A built service at the restricted level (uid 10001, read-only root) writes into its named volume on its very
first start: the rendered Dockerfile creates the mount point owned by that uid, and Docker copies the owner into
the fresh volume. Real engine, real build (local Python base)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.examples.harness import Deployment, docker

pytestmark = [pytest.mark.docker, pytest.mark.slow]

APP = """\
import http.server, os, pathlib
mark = pathlib.Path("/var/lib/writer/first-start.txt")
mark.write_text(f"written by uid {os.getuid()}\\n")  # fails with PermissionError when root owns the volume


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if mark.exists() else 500)
        self.end_headers()


http.server.HTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
"""


def test_a_non_root_built_service_writes_its_named_volume_on_first_start(tmp_path: Path, app_name: str,
                                                                       local_images: dict[str, str]) -> None:
    (tmp_path / "writer").mkdir()
    (tmp_path / "writer" / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "writer" / "requirements.txt").write_text("", encoding="utf-8")
    spec = {"version": 1, "name": app_name, "services": {"writer": {
        "build": {"context": "./writer", "runtime": "python"},
        "ports": [{"container": 8000}],
        "volumes": [{"name": "state", "target": "/var/lib/writer"}],
        "health": {"http": {"path": "/"}, "interval": "2s", "timeout": "10s", "retries": 5},
    }}}
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    deployment = Deployment(tmp_path, app_name, local_images)
    deployment.run("apply", "-y")
    deployment.assert_running_and_healthy()
    (container,) = deployment.containers()
    assert container["Config"]["User"] == "10001:10001" and container["HostConfig"]["ReadonlyRootfs"]
    written = docker("exec", container["Id"], "cat", "/var/lib/writer/first-start.txt")
    assert written == "written by uid 10001\n"
    assert deployment.volumes() == [f"{app_name}_state"]
