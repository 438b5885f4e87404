"""Each target renders on its own: a spec Kubernetes cannot express (a directory bind mount) still gets its
Dockerfiles and Compose file, the target that cannot is named with the reason, and the exit code says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SHIPSPEC = str(Path(sys.executable).parent / "shipspec")
SPEC = """\
version: 1
name: binds
services:
  web:
    build: {context: ./web, runtime: static}
    ports: [{container: 8080, host: 8080}]
    volumes: [{source: ./content, target: /www/extra, read_only: true}]
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIPSPEC, *args], capture_output=True, text=True, timeout=120, check=False)


def test_directory_bind_mount_renders_dockerfiles_and_compose_and_names_what_k8s_lacks(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.html").write_text("hi\n")
    (tmp_path / "content").mkdir()
    spec = tmp_path / "app.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    (out / "k8s").mkdir(parents=True)
    (out / "k8s" / "mine.yaml").write_text("kept\n")
    done = _run("render", "-f", str(spec), "--out", str(out))
    assert done.returncode == 1
    assert "k8s not rendered: services.web.volumes: bind mount './content' has no Kubernetes equivalent" in done.stderr
    assert "--only dockerfile,compose" in done.stderr
    assert (out / "compose.yaml").is_file() and (out / "docker" / "web" / "Dockerfile").is_file()
    assert sorted(p.name for p in (out / "k8s").iterdir()) == ["mine.yaml"]
    assert _run("render", "-f", str(spec), "--out", str(out), "--check").returncode == 1
    assert _run("render", "-f", str(spec), "--out", str(out), "--only", "dockerfile,compose").returncode == 0
    checked = _run("render", "-f", str(spec), "--out", str(out), "--only", "dockerfile,compose", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
