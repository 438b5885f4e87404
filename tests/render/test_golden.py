"""Golden files: every example and environment renders to the committed files under ``tests/render/golden``.

The bundle is rendered as if written to its default place (``specs/<example>/deploy/<env>/``), so the relative
paths inside (build contexts, the header's spec path) are the ones a user gets. Updating takes ``--update-golden``.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from engine.render.bundle import render_bundle
from engine.spec.validate import load_and_validate
from tests.render.examples import case_id, cases, example_path

GOLDEN = Path(__file__).resolve().parent / "golden"


def _golden_files(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    files = (p for p in sorted(folder.rglob("*")) if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in files}


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_render_matches_golden(case: tuple[str, str | None], update_golden: bool) -> None:
    name, env = case
    bundle = render_bundle(load_and_validate(example_path(name), env))
    folder = GOLDEN / name / (env or "base")
    if update_golden:
        shutil.rmtree(folder, ignore_errors=True)
        for rel, text in bundle.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8", newline="\n")
        return
    expected = _golden_files(folder)
    assert expected, f"no golden files in {folder}; run pytest --update-golden and review the result"
    problems = []
    for rel in sorted(set(expected) | set(bundle)):
        want, got = expected.get(rel, ""), bundle.get(rel, "")
        if want != got:
            diff = difflib.unified_diff(want.splitlines(True), got.splitlines(True), f"golden/{rel}", f"render/{rel}")
            problems.append("".join(diff))
    assert not problems, "rendered output differs from golden files (pytest --update-golden):\n" + "\n".join(problems)
