"""One health-probe rule: apply's container check runs exactly what the rendered HEALTHCHECK runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.desire import container as C
from engine.render.bundle import Kind, render_bundle
from engine.render.dockerfile import read_back
from engine.spec.validate import load_and_validate


@pytest.mark.parametrize(
    ("runtime", "check", "tool"),
    [
        ("python", "http: {path: /healthz}", "python3"),
        ("python", "tcp: {}", "python3"),
        ("node", "http: {path: /healthz}", "node"),
        ("node", "tcp: {}", "node"),
        ("static", "http: {path: /}", "wget"),
        ("static", "tcp: {}", "nc"),
    ],
)
def test_apply_probes_a_built_service_as_its_dockerfile_does(tmp_path: Path, runtime: str, check: str,
                                                              tool: str) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "app.yaml").write_text(
        "version: 1\nname: probe\nservices:\n  web:\n"
        f"    build: {{context: ./web, runtime: {runtime}}}\n    ports: [{{container: 8000}}]\n"
        f"    health: {{{check}}}\n",
        encoding="utf-8",
    )
    valid = load_and_validate(tmp_path / "app.yaml")
    applied = C.health(valid.spec.services["web"])
    assert applied is not None and applied.test[1] == tool
    files = render_bundle(valid, out_dir=tmp_path / "out", only=frozenset({Kind.DOCKERFILE}))
    rendered = read_back(dict(files.items())["docker/web/Dockerfile"]).healthcheck
    assert applied.test == ("CMD", *(rendered or ()))


def test_an_image_service_keeps_busybox_style_probes(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        "version: 1\nname: probe\nservices:\n  web:\n    image: busybox:1.36\n    ports: [{container: 8080}]\n"
        "    health: {http: {path: /}}\n",
        encoding="utf-8",
    )
    applied = C.health(load_and_validate(tmp_path / "app.yaml").spec.services["web"])
    assert applied is not None
    assert applied.test == ("CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/")
