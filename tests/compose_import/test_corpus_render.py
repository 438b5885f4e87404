"""The imported corpus renders, and Compose runs what shipspec renders: for each of the 42 apps the spec renders
(Dockerfiles and Compose always; Kubernetes may name what it lacks), ``docker compose config`` (v2) accepts the
rendered ``compose.yaml``, and a semantic comparison of the original and the rendered model (images, build contexts
and targets, ports, env, volumes, secrets, depends_on conditions, health checks) agrees except where the import
report says why. docker-compose 1.29.2 is judged separately (``test_rendered_compose_v1``)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.compose_import.report import Report, Status
from engine.compose_import.tool import resolve
from engine.render.bundle import render_bundle
from engine.spec.validate import load_and_validate
from tests.compose_import.test_corpus import APP_ENV, APPS, import_app

pytestmark = pytest.mark.judges
SPEC_ONLY = "# Compose Specification only:"


REQUIRED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?")


def required_variables(rendered: Path) -> dict[str, str]:
    """A placeholder for each ``${NAME:?…}`` in the rendered file: the secrets an operator exports before running
    Compose (their values never reach the file)."""
    return dict.fromkeys(REQUIRED.findall(rendered.read_text(encoding="utf-8")), "placeholder")


def render_app(root: Path) -> Path:
    valid = load_and_validate(root / "app.yaml")
    out = root / "deploy"
    bundle = render_bundle(valid, out_dir=out)
    assert "compose" not in bundle.skipped and "dockerfile" not in bundle.skipped, bundle.skipped
    for rel, text in bundle.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    return out / "compose.yaml"


def _skipped(report: Report) -> set[str]:
    """Compose paths the report dropped or flagged as changed: differences there are explained."""
    keys = {e.key for e in report.by_status(Status.DROPPED)}
    # Secret-looking values become secret references: the rendered file names their source, never the value.
    keys |= {e.key for e in report.by_status(Status.TRANSLATED) if e.to.split(".")[2:3] == ["secrets"]}
    return keys | {n.key for n in report.changes}


def _project(model: dict[str, Any], explained: set[str], original: bool) -> dict[str, Any]:
    out = {}
    for name, svc in sorted(model["services"].items()):
        env = {k: v for k, v in (svc.get("environment") or {}).items()
               if f"services.{name}.environment.{k}" not in explained and not k.endswith("_FILE")}
        health = (svc.get("healthcheck") or {}).get("test")
        if health and health[0] == "CMD-SHELL":
            health = ["CMD", "/bin/sh", "-c", *health[1:]]
        ports = {(int(p["target"]), p.get("published")) for i, p in enumerate(svc.get("ports") or [])
                 if f"services.{name}.ports[{i}]" not in explained}
        build = svc.get("build") or {}
        out[name] = {
            "image": None if build else svc.get("image"),
            "build": (build.get("context"), build.get("target")) if build else None,
            "ports": ports if original else {p for p in ports if p[1] is not None},
            "expose": {str(e).split("/")[0] for e in svc.get("expose") or []} | {str(p[0]) for p in ports},
            "env": env if original else {k: v for k, v in env.items() if k in env},
            "volumes": {v["target"] for i, v in enumerate(svc.get("volumes") or [])
                        if f"services.{name}.volumes[{i}]" not in explained},
            "depends_on": {k: v.get("condition") for k, v in (svc.get("depends_on") or {}).items()},
            "health": health,
        }
    return out


@pytest.mark.parametrize("app", APPS)
def test_imported_app_renders_and_compose_v2_reads_it_back_the_same(
    app: str, tmp_path: Path, compose_v2: list[str]
) -> None:
    root, result = import_app(app, tmp_path, compose_v2)
    assert not result.problems
    rendered = render_app(root)
    environ = {**os.environ, **APP_ENV.get(app, {})}
    original = resolve(compose_v2, [root / "compose.yaml"], environ=environ).model
    back = resolve(compose_v2, [rendered], environ={**environ, **required_variables(rendered)}).model
    explained = _skipped(result.report)
    want, got = _project(original, explained, True), _project(back, explained, False)
    for name in want:
        for key in ("image", "build", "depends_on", "health", "volumes"):
            assert got[name][key] == want[name][key], (name, key)
        assert got[name]["expose"] >= want[name]["expose"], (name, "ports")
        assert {k: v for k, v in got[name]["env"].items() if k in want[name]["env"]} == want[name]["env"]
        assert set(want[name]["env"]) <= set(got[name]["env"]), (name, "env")


@pytest.fixture(scope="session")
def compose_v1() -> str:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([str(root / "benchmarks" / "compose-venv")], cwd=root, capture_output=True, text=True,
                          check=False, timeout=1200)
    assert done.returncode == 0, done.stderr
    return str(root / done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("app", APPS)
def test_rendered_compose_v1(app: str, tmp_path: Path, compose_v2: list[str], compose_v1: str) -> None:
    """docker-compose 1.29.2 reads the rendered file, unless the file names a Specification-only construct."""
    assert v1_accepts(*import_app(app, tmp_path, compose_v2), compose_v1, app) in ("accepted", "spec-only")


def v1_accepts(root: Path, _result: object, compose_v1: str, app: str) -> str:
    """Whether 1.29.2 reads the rendered file as its comment tells v1 users to run it (without the top-level
    `name`, with -p): "accepted", or "spec-only" when the file names another Specification-only construct."""
    rendered = render_app(root)
    lines = rendered.read_text().splitlines(keepends=True)
    notes = [line for line in lines if line.startswith(SPEC_ONLY)]
    assert notes and "top-level `name`" in notes[0]
    v1_file = rendered.with_name("compose.v1.yaml")
    v1_file.write_text("".join(line for line in lines if not line.startswith("name: ")))
    done = subprocess.run([compose_v1, "-p", app.lower(), "-f", str(v1_file), "config", "-q"], capture_output=True,
                          text=True, check=False, timeout=120,
                          env={**os.environ, **APP_ENV.get(app, {}), **required_variables(rendered)})
    if done.returncode == 0:
        return "accepted"
    assert len(notes) > 1, done.stderr
    return "spec-only"
