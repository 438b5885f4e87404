"""A secret's value never reaches a rendered file: only its reference (variable or file name) does.

A canary value is put where apply would read it (the operator's environment, the secret files) before rendering,
and every rendered file is then searched for it in plain text and in base64 at each of the three byte alignments
(a base64-encoded copy embedded in a longer string can start at any offset).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.render.bundle import render_bundle
from engine.spec.validate import load_and_validate
from tests.render.examples import case_id, cases, example_path

CANARY = "canary-4f1c9e-Sup3rS3cret!"


def _needles(secret: str) -> list[str]:
    raw = secret.encode()
    needles = [secret]
    for offset in range(3):
        encoded = base64.b64encode(b"x" * offset + raw).decode()
        # Drop the characters that depend on the padding bytes or on what follows.
        needles.append(encoded[(offset * 4 + 2) // 3 + 1 : -4])
    return needles


def _secret_refs(name: str, env: str | None) -> list[tuple[str | None, str | None]]:
    spec = load_and_validate(example_path(name), env).spec
    return [(r.env, r.file) for s in spec.services.values() for r in s.secrets.values()]


def test_examples_have_secrets() -> None:
    assert any(ref[0] for ref in _secret_refs("shop", None))
    assert any(ref[1] for ref in _secret_refs("jobs", None))


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_canary_secret_appears_in_no_rendered_file(
    case: tuple[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, env = case
    for var, _file in _secret_refs(name, env):
        if var:
            monkeypatch.setenv(var, CANARY)
    bundle = render_bundle(load_and_validate(example_path(name), env))
    for rel, text in bundle.items():
        for needle in _needles(CANARY):
            assert needle not in text, f"{rel} contains the secret value ({needle!r})"


def test_canary_through_the_cli_with_secret_files(tmp_path: Path) -> None:
    """The real command, with the value in the environment and in the secret file the spec names."""
    import shutil

    spec_dir = tmp_path / "jobs"
    shutil.copytree(example_path("jobs").parent, spec_dir)
    secrets = spec_dir / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "reports_s3_key").write_text(CANARY)
    env = {**os.environ, "SHOP_DB_PASSWORD": CANARY, "REPORTS_S3_KEY": CANARY}
    shipspec = str(Path(sys.executable).parent / "shipspec")
    result = subprocess.run(
        [shipspec, "render", "-f", str(spec_dir / "app.yaml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert CANARY not in result.stdout + result.stderr
    rendered = [p for p in (spec_dir / "deploy").rglob("*") if p.is_file()]
    assert len(rendered) > 10
    for path in rendered:
        text = path.read_text(encoding="utf-8")
        for needle in _needles(CANARY):
            assert needle not in text, f"{path} contains the secret value"
