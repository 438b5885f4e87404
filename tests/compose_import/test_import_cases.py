"""Hand-written import cases for what the corpus lacks, through the real CLI and the real Compose v2."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.judges

Run = Callable[..., subprocess.CompletedProcess[str]]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _import(run_import: Run, root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[dict[str, Any],
                                                                                               dict[str, Any]]:
    done = run_import(root, "--format", "json", *args, env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    report = json.loads(done.stdout)
    spec = yaml.safe_load((root / "app.yaml").read_text())
    return spec, report


def _entry(report: dict[str, Any], key: str) -> dict[str, Any]:
    found = [e for e in report["entries"] if e["key"] == key]
    assert found, f"{key} not in the report: {[e['key'] for e in report['entries']]}"
    return found[0]


def test_overrides_merge_and_the_report_names_the_override(run_import: Run, tmp_path: Path) -> None:
    _write(tmp_path, {
        "compose.yaml": "services:\n  web:\n    image: nginx:1.25\n    environment: {LOG: info}\n",
        "compose.prod.yaml": "services:\n  web:\n    image: nginx:1.27\n    deploy: {replicas: 3}\n",
    })
    spec, report = _import(run_import, tmp_path, "-f", "compose.yaml", "-f", "compose.prod.yaml")
    web = spec["services"]["web"]
    assert web["image"] == "nginx:1.27" and web["replicas"] == 3 and web["env"] == {"LOG": "info"}
    image = _entry(report, "services.web.image")
    assert (image["file"], image["line"]) == ("compose.prod.yaml", 3)
    assert _entry(report, "services.web.environment.LOG")["file"] == "compose.yaml"


def test_extends_profiles_and_env_file(run_import: Run, tmp_path: Path) -> None:
    _write(tmp_path, {
        "base.yaml": "services:\n  tmpl:\n    image: busybox:1.36\n    command: [sleep, '60']\n",
        "app.env": "FROM_FILE=yes\n",
        "compose.yaml": (
            "services:\n"
            "  worker:\n    extends: {file: base.yaml, service: tmpl}\n    env_file: [app.env]\n"
            "  debug:\n    image: busybox:1.36\n    profiles: [debug]\n"
        ),
    })
    spec, report = _import(run_import, tmp_path)
    assert set(spec["services"]) == {"worker"}
    worker = spec["services"]["worker"]
    assert worker["command"] == ["sleep", "60"] and worker["env"] == {"FROM_FILE": "yes"}
    assert _entry(report, "services.debug")["status"] == "dropped"
    assert _entry(report, "services.worker.extends")["status"] == "resolved"
    assert _entry(report, "services.worker.env_file")["status"] == "resolved"
    spec, _ = _import(run_import, tmp_path, "--profile", "debug", "--force")
    assert set(spec["services"]) == {"worker", "debug"}


def test_dotenv_interpolation_defaults_and_required(run_import: Run, tmp_path: Path) -> None:
    _write(tmp_path, {
        ".env": "TAG=1.27\n",
        "compose.yaml": (
            "services:\n  web:\n    image: nginx:${TAG}\n"
            "    environment:\n      MODE: ${MODE:-production}\n      DB_PASSWORD: ${DB_PW:?set DB_PW}\n"
        ),
    })
    failed = run_import(tmp_path)
    assert failed.returncode == 1
    assert "compose.yaml:6" in failed.stderr and "set DB_PW" in failed.stderr
    assert "Traceback" not in failed.stderr and not (tmp_path / "app.yaml").exists()
    spec, report = _import(run_import, tmp_path, env={"DB_PW": "s3cret"})
    web = spec["services"]["web"]
    assert web["image"] == "nginx:1.27" and web["env"] == {"MODE": "production"}
    assert web["secrets"] == {"DB_PASSWORD": {"env": "DB_PW"}}
    assert "s3cret" not in (tmp_path / "app.yaml").read_text()
    assert "DB_PW" in report["operator_variables"]


def test_anchors_merge_keys_and_long_syntax(run_import: Run, tmp_path: Path) -> None:
    _write(tmp_path, {
        "data/.keep": "",
        "compose.yaml": (
            "x-defaults: &defaults\n  restart: always\n  environment: &env\n    TZ: UTC\n"
            "services:\n"
            "  api:\n    <<: *defaults\n    image: busybox:1.36\n"
            "    ports:\n      - target: 8000\n        published: 8080\n        host_ip: 0.0.0.0\n"
            "        protocol: tcp\n"
            "    volumes:\n      - type: bind\n        source: ./data\n        target: /data\n        read_only: true\n"
            "      - type: volume\n        source: cache\n        target: /cache\n"
            "    deploy:\n      replicas: 2\n      resources:\n        limits: {cpus: '0.5', memory: 1.5G}\n"
            "        reservations: {memory: 64M}\n"
            "volumes:\n  cache: {}\n"
        ),
    })
    spec, report = _import(run_import, tmp_path)
    api = spec["services"]["api"]
    assert api["restart"] == "always" and api["env"] == {"TZ": "UTC"}
    assert api["ports"] == [{"container": 8000, "host": 8080, "host_ip": "0.0.0.0"}]
    assert api["volumes"] == [
        {"source": "./data", "target": "/data", "read_only": True},
        {"name": "cache", "target": "/cache"},
    ]
    assert api["replicas"] == 2
    assert api["resources"] == {"limits": {"cpu": "500m", "memory": "1536Mi"}, "requests": {"memory": "64Mi"}}
    restart = _entry(report, "services.api.restart")
    assert restart["line"] == 2, "a merged key is located at its anchor"
    assert _entry(report, "x-defaults")["status"] == "resolved"


def test_secret_looking_plain_values_become_references(run_import: Run, tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": (
        "name: case\nservices:\n  web:\n    image: busybox:1.36\n    environment:\n"
        "      - API_TOKEN=abc123\n      - DATABASE_URL=postgres://app:hunter2@db/app\n      - PLAIN=1\n"
    )})
    spec, report = _import(run_import, tmp_path)
    web = spec["services"]["web"]
    assert web["env"] == {"PLAIN": "1"}
    assert web["secrets"] == {"API_TOKEN": {"env": "CASE_WEB_API_TOKEN"}, "DATABASE_URL": {"env":
                                                                                        "CASE_WEB_DATABASE_URL"}}
    text = (tmp_path / "app.yaml").read_text()
    assert "abc123" not in text and "hunter2" not in text
    assert set(report["operator_variables"]) == {"CASE_WEB_API_TOKEN", "CASE_WEB_DATABASE_URL"}


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("services:\n  web:\n    image: x\n   bad: 1\n", "compose.yaml:4", "YAML syntax error"),
        ("services:\n  web:\n    imagex: x\n", "compose.yaml:2", "'imagex' not allowed"),
        ("services:\n  web:\n    image: x\n    depends_on: [db]\n", "compose.yaml:4", "undefined service"),
    ],
)
def test_invalid_compose_is_located_never_a_traceback(
    run_import: Run, tmp_path: Path, text: str, where: str, words: str
) -> None:
    _write(tmp_path, {"compose.yaml": text})
    done = run_import(tmp_path)
    assert done.returncode == 1, done.stderr
    assert where in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "app.yaml").exists()


def test_existing_output_needs_force(run_import: Run, tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: busybox:1.36\n", "app.yaml": "keep\n"})
    done = run_import(tmp_path)
    assert done.returncode == 2 and "--force" in done.stderr
    assert (tmp_path / "app.yaml").read_text() == "keep\n"


def test_literal_dollars_stay_literal(run_import: Run, tmp_path: Path) -> None:
    """Compose prints its model re-escaped ($$); the spec holds the literal $, and render escapes it again."""
    _write(tmp_path, {"compose.yaml": (
        "services:\n  web:\n    image: busybox:1.36\n    command: [sh, -c, 'echo $$HOME']\n"
        "    environment: {PRICE: '5$$'}\n"
    )})
    spec, _ = _import(run_import, tmp_path)
    assert spec["services"]["web"]["command"] == ["sh", "-c", "echo $HOME"]
    assert spec["services"]["web"]["env"] == {"PRICE": "5$"}
