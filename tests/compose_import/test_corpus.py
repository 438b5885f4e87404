"""The awesome-compose corpus as a test: every app imports to a spec that validates, and the keys the report drops
match the checked-in expectation (``corpus_expected.yaml``; ``SHIPSPEC_UPDATE_CORPUS=1`` rewrites it, review the
diff). The corpus holds only the Compose files, so each app is copied and the build contexts and secret files its
model names are created with a placeholder Dockerfile (validation checks that a build's Dockerfile exists in its
context): what the import checks is the translation, not the apps' sources.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.compose_import.importer import Imported, import_compose
from engine.compose_import.report import Status
from tests.compose_import.conftest import corpus_dir

pytestmark = pytest.mark.judges

EXPECTED = Path(__file__).with_name("corpus_expected.yaml")
CORPUS = corpus_dir()
APPS = sorted(p.name for p in CORPUS.iterdir() if (p / "compose.yaml").is_file()) if CORPUS else []
# Variables an app's README asks for and without which Compose refuses the file.
APP_ENV = {"plex": {"PLEX_MEDIA_PATH": "/srv/media"}}


def _expected() -> dict[str, Any]:
    return yaml.safe_load(EXPECTED.read_text()) if EXPECTED.exists() else {}


def prepare_app(app: str, tmp_path: Path) -> Path:
    """A copy of the app with the build contexts and secret files its Compose file names but the corpus lacks."""
    assert CORPUS is not None
    root = tmp_path / app
    shutil.copytree(CORPUS / app, root)
    source = yaml.safe_load((root / "compose.yaml").read_text())
    for service in source["services"].values():
        build = service.get("build")
        if build is not None:
            context = root / (build if isinstance(build, str) else build.get("context", "."))
            context.mkdir(parents=True, exist_ok=True)
            dockerfile = context / ("Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile"))
            if not dockerfile.exists():
                dockerfile.parent.mkdir(parents=True, exist_ok=True)
                dockerfile.write_text("FROM scratch\n")
    for secret in (source.get("secrets") or {}).values():
        if "file" in secret:
            (root / secret["file"]).parent.mkdir(parents=True, exist_ok=True)
            (root / secret["file"]).write_text("corpus-test\n")
    return root


def import_app(app: str, tmp_path: Path, compose_v2: list[str]) -> tuple[Path, Imported]:
    """Import in-process (the CLI itself is covered by the hand-written cases): the spec is written to app.yaml."""
    root = prepare_app(app, tmp_path)
    out = root / "app.yaml"
    result = import_compose(compose_v2, [root / "compose.yaml"], out, names=["compose.yaml"],
                            environ={**os.environ, **APP_ENV.get(app, {})})
    out.write_text(result.text)
    return root, result


def test_the_corpus_is_there() -> None:
    if CORPUS is None:
        pytest.fail("the awesome-compose corpus is missing (../shared/corpus, or set SHIPSPEC_CORPUS)")
    assert len(APPS) == 42, APPS


@pytest.mark.parametrize("app", APPS)
def test_corpus_app_imports_to_a_valid_spec(app: str, tmp_path: Path, compose_v2: list[str]) -> None:
    _, result = import_app(app, tmp_path, compose_v2)
    assert not result.problems, [p.render() for p in result.problems]
    report = result.report.as_dict()
    dropped = sorted(f"{e.key}: {e.why}" for e in result.report.by_status(Status.DROPPED))
    if os.environ.get("SHIPSPEC_UPDATE_CORPUS") == "1":
        expected = _expected()
        expected[app] = {"dropped": dropped, "counts": report["counts"]}
        EXPECTED.write_text(yaml.safe_dump(dict(sorted(expected.items())), sort_keys=False, width=200))
        return
    want = _expected().get(app)
    assert want is not None, f"no expectation for {app}; run with SHIPSPEC_UPDATE_CORPUS=1 and review"
    assert dropped == want["dropped"]
    assert report["counts"] == want["counts"]
