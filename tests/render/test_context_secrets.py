"""A static site built from the spec's own folder (the default context), which also holds a secret file, the state
folder with its history database, and the spec: the image shipspec builds contains none of them, in any layer,
even when the context's ``.dockerignore`` tries to bring the secret back; and the context digest no longer moves
when only the state folder changes (so a plan right after an apply is a no-op).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from engine.adapters.docker import DockerSdkGateway
from engine.render.bundle import Kind, render_bundle
from engine.spec.buildcontext import never_sent
from engine.spec.validate import load_and_validate
from tests.support.pybase import ensure_busybox_base

pytestmark = pytest.mark.docker
MARK = f"hostile-{uuid.uuid4().hex}"
SPEC = """\
version: 1
name: leak
services:
  site:
    build: {context: ., runtime: static}
    ports: [{container: 8080}]
    secrets:
      DB_PASSWORD: {file: ./secrets/db_password}
"""


def project(root: Path) -> Path:
    (root / "secrets").mkdir(parents=True)
    (root / "secrets" / "db_password").write_text(f"{MARK}-secret\n")
    (root / ".shipspec").mkdir()
    (root / ".shipspec" / "history.db").write_bytes(f"{MARK}-history".encode())
    (root / "index.html").write_text("<h1>hello</h1>\n")
    (root / ".dockerignore").write_text("!secrets\n!secrets/db_password\n")  # a hostile context's own rules
    spec = root / "app.yaml"
    spec.write_text(SPEC + f"# {MARK}-spec\n")
    return spec


def layers(image: str) -> dict[str, bytes]:
    """Every file of every layer of ``image`` (docker save), by layer and path."""
    saved = subprocess.run(["docker", "save", image], capture_output=True, timeout=300, check=True).stdout
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        for member in outer.getmembers():
            if not member.name.endswith("layer.tar"):
                continue
            handle = outer.extractfile(member)
            assert handle is not None
            with tarfile.open(fileobj=io.BytesIO(handle.read())) as layer:
                for entry in layer.getmembers():
                    data = layer.extractfile(entry) if entry.isfile() else None
                    out[f"{member.name}:{entry.name}"] = data.read() if data is not None else b""
    return out


def test_the_image_holds_no_secret_state_or_spec(tmp_path: Path) -> None:
    spec = project(tmp_path / "proj")
    valid = load_and_validate(spec)
    exclude = never_sent(valid.spec, valid.path, ".")
    assert {"app.yaml", ".shipspec", "secrets/db_password", "deploy"} <= set(exclude)
    base = ensure_busybox_base()
    bundle = render_bundle(valid, only=frozenset({Kind.DOCKERFILE}), base_image_overrides={"static": base})
    dockerfile = bundle["docker/site/Dockerfile"]
    ignore = bundle["docker/site/Dockerfile.dockerignore"]
    assert "secrets/db_password" in ignore and ".shipspec" in ignore and "app.yaml" in ignore

    gateway = DockerSdkGateway(tmp_path / "state")
    digest = gateway.context_digest(spec.parent, dockerfile, exclude)
    (spec.parent / ".shipspec" / "history.db").write_bytes(b"changed by an apply")
    (spec.parent / "secrets" / "db_password").write_text("rotated\n")
    assert gateway.context_digest(spec.parent, dockerfile, exclude) == digest, "state and secrets must not count"
    (spec.parent / "index.html").write_text("<h1>changed</h1>\n")
    assert gateway.context_digest(spec.parent, dockerfile, exclude) != digest, "the site's own files do"
    (spec.parent / "secrets" / "db_password").write_text(f"{MARK}-secret\n")

    tag = f"shipspec-test/leak-{uuid.uuid4().hex[:12]}:latest"
    try:
        gateway.build_image(spec.parent, dockerfile, tag, {"dev.shipspec.test": "1"}, exclude=exclude)
        files = layers(tag)
        assert any(name.endswith("index.html") for name in files), "the site itself must be in the image"
        leaked = [name for name, data in files.items() if MARK.encode() in data or MARK in name]
        assert leaked == [], f"found in the image: {leaked}"
        assert not [n for n in files if n.endswith(("db_password", "history.db", "app.yaml"))]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120, check=False)
