"""Compose runs what shipspec renders, for every example in specs/ and each of its environments: `docker compose
config` (v2) reads the rendered file, and docker-compose 1.29.2 reads it as the file's comment tells v1 users to
(without the top-level `name`, with -p), unless the file names another Specification-only construct."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.render.bundle import Kind, render_bundle
from engine.render.compose import SPEC_ONLY
from engine.spec.validate import load_and_validate
from tests.compose_import.test_corpus_render import compose_v1  # noqa: F401 (a fixture)
from tests.render.examples import case_id, cases, example_path

pytestmark = pytest.mark.judges
SECRETS = {"SHOP_DB_PASSWORD": "x", "SHOP_SESSION_KEY": "x", "STOREFRONT_API_TOKEN": "x"}


def _render(name: str, env: str | None, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(example_path(name).parent, root, ignore=shutil.ignore_patterns("deploy"))
    valid = load_and_validate(root / "app.yaml", env)
    out = root / "deploy" / (env or "base")
    bundle = render_bundle(valid, out_dir=out, only=frozenset({Kind.COMPOSE, Kind.DOCKERFILE}))
    for rel, text in bundle.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    return out / "compose.yaml"


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_example_compose_reads_with_v2_and_v1(
    case: tuple[str, str | None], tmp_path: Path, compose_v2: list[str], compose_v1: str  # noqa: F811
) -> None:
    name, env = case
    rendered = _render(name, env, tmp_path)
    environ = {**os.environ, **SECRETS}
    v2 = subprocess.run([*compose_v2, "-f", str(rendered), "config", "-q"], capture_output=True, text=True,
                        check=False, timeout=120, env=environ)
    assert v2.returncode == 0, v2.stderr
    lines = rendered.read_text().splitlines(keepends=True)
    notes = [line for line in lines if line.startswith(SPEC_ONLY)]
    v1_file = rendered.with_name("compose.v1.yaml")
    v1_file.write_text("".join(line for line in lines if not line.startswith("name: ")))
    v1 = subprocess.run([compose_v1, "-p", f"{name}-{env or 'base'}", "-f", str(v1_file), "config", "-q"],
                        capture_output=True, text=True, check=False, timeout=120, env=environ)
    assert v1.returncode == 0 or len(notes) > 1, v1.stderr
