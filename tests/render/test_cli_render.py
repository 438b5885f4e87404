"""``shipspec render`` through the real CLI in a subprocess: writing, ``--check`` (the PR gate), ``--only``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.render.examples import example_path

SHIPSPEC = str(Path(sys.executable).parent / "shipspec")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIPSPEC, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(example_path("shop").parent, target, ignore=shutil.ignore_patterns("deploy"))
    return target / "app.yaml"


def test_check_is_clean_after_render_and_fails_with_a_diff_after_a_hand_edit(shop: Path) -> None:
    out = shop.parent / "deploy" / "prod"
    assert run("render", "-f", str(shop), "-e", "prod").returncode == 0
    fresh = run("render", "-f", str(shop), "-e", "prod", "--check")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout == ""

    compose = out / "compose.yaml"
    compose.write_text(compose.read_text().replace("replicas: 4", "replicas: 5"))
    stale = run("render", "-f", str(shop), "-e", "prod", "--check")
    assert stale.returncode == 1
    assert "--- a/compose.yaml" in stale.stdout and "+++ b/compose.yaml" in stale.stdout
    assert "-      replicas: 5" in stale.stdout and "+      replicas: 4" in stale.stdout
    assert "replicas: 5" in compose.read_text(), "--check must not write"

    assert run("render", "-f", str(shop), "-e", "prod").returncode == 0
    assert run("render", "-f", str(shop), "-e", "prod", "--check").returncode == 0


def test_check_reports_missing_and_stale_files(shop: Path) -> None:
    out = shop.parent / "deploy" / "prod"
    missing = run("render", "-f", str(shop), "-e", "prod", "--check")
    assert missing.returncode == 1 and "--- /dev/null" in missing.stdout

    assert run("render", "-f", str(shop), "-e", "prod").returncode == 0
    (out / "k8s" / "web-ingress.yaml").unlink()
    assert run("render", "-f", str(shop), "-e", "prod", "--check").returncode == 1

    # The spec stops exposing web: the old Ingress is stale, --check says so and render removes it.
    text = shop.read_text()
    shop.write_text(text.replace("    expose: {host: shop.example.com, tls_secret: shop-tls}\n", ""))
    shop.write_text(shop.read_text().split("environments:")[0])
    assert run("render", "-f", str(shop), "-e", "prod").returncode == 1  # prod no longer exists
    assert run("render", "-f", str(shop), "--out", str(out)).returncode == 0
    assert not (out / "k8s" / "web-ingress.yaml").exists()
    manifest = json.loads((out / ".shipspec-render.json").read_text())
    assert "k8s/web-ingress.yaml" not in manifest["files"]


def test_render_without_env_writes_base_and_every_environment(shop: Path) -> None:
    result = run("render", "-f", str(shop))
    assert result.returncode == 0, result.stderr
    for env in ("base", "staging", "prod"):
        assert (shop.parent / "deploy" / env / "compose.yaml").is_file()
    assert run("render", "-f", str(shop), "--check").returncode == 0


def test_only_limits_kinds_and_keeps_the_others(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("render", "-f", str(shop), "--out", str(out)).returncode == 0
    assert run("render", "-f", str(shop), "--out", str(out), "--only", "compose").returncode == 0
    assert (out / "k8s" / "kustomization.yaml").is_file(), "--only compose must not remove the Kubernetes files"
    assert (out / "docker" / "web" / "Dockerfile").is_file()
    only = tmp_path / "only"
    assert run("render", "-f", str(shop), "--out", str(only), "--only", "dockerfile,k8s").returncode == 0
    assert not (only / "compose.yaml").exists() and (only / "k8s").is_dir()
    bad = run("render", "-f", str(shop), "--out", str(only), "--only", "helm")
    assert bad.returncode == 2 and "--only" in bad.stderr


def test_base_image_override_by_flag_and_environment(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env_run = subprocess.run(
        [SHIPSPEC, "render", "-f", str(shop), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "SHIPSPEC_BASE_IMAGE_PYTHON": "localhost/py:test"},
        check=False,
    )
    assert env_run.returncode == 0, env_run.stderr
    assert "FROM localhost/py:test AS deps" in (out / "docker/web/Dockerfile").read_text()
    assert run("render", "-f", str(shop), "--out", str(out), "--base-image", "python=other/py:2").returncode == 0
    assert "FROM other/py:2 AS deps" in (out / "docker/web/Dockerfile").read_text()
    bad = run("render", "-f", str(shop), "--out", str(out), "--base-image", "python=NOT VALID")
    assert bad.returncode == 1 and "base image" in bad.stderr


def test_invalid_spec_is_reported_not_rendered(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text("version: 1\nname: x\nservices:\n  web: {image: nginx:1, replcas: 2}\n")
    result = run("render", "-f", str(spec))
    assert result.returncode == 1 and "replcas" in result.stderr
    assert not (tmp_path / "deploy").exists()
