"""The real tools judge every rendered artifact of every example and environment, offline.

kubernetes-validate (strict, Kubernetes 1.29 and the newest schema the wheel ships; warnings count as failures),
check-jsonschema with the Compose Specification, hadolint failing at warning level, and checkov (Kubernetes and
Dockerfile frameworks, ``--skip-download``) from its own virtual environment, made by ``scripts/judges-venv`` on
first use. Suppressions live in ``judges.yaml`` only, each with its reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.render.bundle import render_bundle
from engine.render.writer import write_bundle
from engine.spec.model import SecurityLevel
from engine.spec.security import resolve
from engine.spec.validate import load_and_validate
from tests.render.examples import ROOT, case_id, cases, example_path

pytestmark = pytest.mark.judges
CONFIG: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "judges.yaml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
CASES = cases()


def _suppressed(tool: str) -> list[str]:
    entries = CONFIG[tool]["suppressed"]
    assert all(e.get("reason") for e in entries), f"every {tool} suppression needs a reason"
    return [e["id"] for e in entries]


def _folder(case: tuple[str, str | None]) -> str:
    return f"{case[0]}/{case[1] or 'base'}"


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every example and environment, written as a user would get it, under one root."""
    root = tmp_path_factory.mktemp("judged")
    for name, env in CASES:
        bundle = render_bundle(load_and_validate(example_path(name), env), out_dir=root / name / (env or "base"))
        write_bundle(bundle, root / name / (env or "base"))
    return root


def _run(argv: list[str], cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)


def _k8s_files(folder: Path) -> list[str]:
    """Cluster objects only: kustomization.yaml is a kustomize file, not an object the API server knows."""
    return sorted(str(p) for p in (folder / "k8s").glob("*.yaml") if p.name != "kustomization.yaml")


def _newest_kubernetes() -> str:
    from kubernetes_validate.utils import latest_version  # type: ignore[import-untyped]

    version = latest_version()
    return version if version.count(".") == 2 else f"{version}.0"


@pytest.mark.parametrize("version", CONFIG["kubernetes-validate"]["versions"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_kubernetes_validate_strict(rendered: Path, case: tuple[str, str | None], version: str) -> None:
    wanted = _newest_kubernetes() if version == "newest" else version
    files = _k8s_files(rendered / _folder(case))
    assert files
    result = _run([str(BIN / "kubernetes-validate"), "--strict", "-k", wanted, "--quiet", *files])
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    assert output == "", f"kubernetes-validate printed warnings:\n{output}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_kustomization_lists_every_object(rendered: Path, case: tuple[str, str | None]) -> None:
    k8s = rendered / _folder(case) / "k8s"
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    assert kustomization["resources"] == [Path(f).name for f in _k8s_files(rendered / _folder(case))]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compose_matches_the_compose_specification(rendered: Path, case: tuple[str, str | None]) -> None:
    compose = rendered / _folder(case) / "compose.yaml"
    schema = CONFIG["check-jsonschema"]["schema"]
    result = _run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(compose)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "hello"], ids=case_id)
def test_hadolint(rendered: Path, case: tuple[str, str | None]) -> None:
    dockerfiles = sorted((rendered / _folder(case) / "docker").glob("*/Dockerfile"))
    assert dockerfiles
    ignores = [arg for rule in _suppressed("hadolint") for arg in ("--ignore", rule)]
    threshold = CONFIG["hadolint"]["failure_threshold"]
    for dockerfile in dockerfiles:
        result = _run(
            [str(BIN / "hadolint"), "--no-color", "--failure-threshold", threshold, "-f", "json", *ignores,
             str(dockerfile)]
        )
        assert result.returncode == 0, f"{dockerfile}: {result.stdout}{result.stderr}"


@pytest.fixture(scope="session")
def checkov_results(rendered: Path) -> list[dict[str, Any]]:
    """One checkov run over every rendered folder (it takes seconds to start); results are split per case below."""
    script = ROOT / "scripts" / "judges-venv"
    made = subprocess.run([str(script)], capture_output=True, text=True, timeout=1800, check=False)
    assert made.returncode == 0, f"scripts/judges-venv failed:\n{made.stderr[-3000:]}"
    checkov = made.stdout.strip().splitlines()[-1]
    frameworks = CONFIG["checkov"]["frameworks"]
    skips = ",".join(_suppressed("checkov"))
    argv = [checkov, "-d", str(rendered), "--framework", *frameworks, "--skip-download", "-o", "json", "--compact",
            "--skip-check", skips]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=env, check=False)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    data = json.loads(result.stdout)
    reports = data if isinstance(data, list) else [data]
    assert {r["check_type"] for r in reports} == set(frameworks), result.stdout[:2000]
    return reports


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_checkov(checkov_results: list[dict[str, Any]], case: tuple[str, str | None]) -> None:
    prefix = f"/{_folder(case)}/"
    failed, passed = [], 0
    for report in checkov_results:
        assert report["summary"]["parsing_errors"] == 0
        failed += [f for f in report["results"]["failed_checks"] if f["file_path"].startswith(prefix)]
        passed += sum(1 for f in report["results"]["passed_checks"] if f["file_path"].startswith(prefix))
    assert passed > 0, f"checkov judged nothing under {prefix}"
    failed = [f for f in failed if not _allowed_by_level(case, f)]
    details = "\n".join(f"{f['check_id']} {f['check_name']} {f['file_path']} {f['resource']}" for f in failed)
    assert not failed, f"checkov findings:\n{details}"


def _allowed_by_level(case: tuple[str, str | None], finding: dict[str, Any]) -> bool:
    """A finding the service's security level allows on purpose: a ``baseline`` (or ``privileged``) pod runs as the
    image's own user, on a writable root, with Docker's default capabilities (README, "Security levels"). Only the
    checks listed under ``checkov.allowed_below_restricted`` in judges.yaml, only for pods below ``restricted``;
    restricted pods are still judged by every check."""
    allowed = {entry["id"] for entry in CONFIG["checkov"].get("allowed_below_restricted", [])}
    if finding["check_id"] not in allowed:
        return False
    service = str(finding["resource"]).rsplit(".", 1)[-1]
    valid = load_and_validate(example_path(case[0]), case[1])
    svc = valid.spec.services.get(service)
    return svc is not None and resolve(valid.spec, svc).level is not SecurityLevel.RESTRICTED

