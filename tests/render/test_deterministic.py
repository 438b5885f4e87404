"""Byte-identical output: twice in one process, in a fresh process, and from a copy of the spec elsewhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.render.bundle import render_bundle
from engine.spec.validate import load_and_validate
from tests.render.examples import ROOT, case_id, cases, example_path


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_rendering_twice_is_byte_identical(case: tuple[str, str | None]) -> None:
    name, env = case
    first = dict(render_bundle(load_and_validate(example_path(name), env)))
    second = dict(render_bundle(load_and_validate(example_path(name), env)))
    assert first == second
    assert list(first) == sorted(first)


def _render_in_subprocess(spec: Path, env: str | None, cwd: Path) -> dict[str, str]:
    code = (
        "import json, sys; from engine.spec.validate import load_and_validate; "
        "from engine.render.bundle import render_bundle; "
        "b = render_bundle(load_and_validate(sys.argv[1], sys.argv[2] or None)); print(json.dumps(dict(b)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(spec), env or ""],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(result.stdout))


def test_a_fresh_process_and_another_checkout_render_the_same_bytes(tmp_path: Path) -> None:
    """Hash seeds, the working directory and where the checkout lives must not leak into the output."""
    here = dict(render_bundle(load_and_validate(example_path("shop"), "prod")))
    copy = tmp_path / "elsewhere" / "shop"
    shutil.copytree(example_path("shop").parent, copy)
    there = _render_in_subprocess(copy / "app.yaml", "prod", tmp_path)
    assert there == here
