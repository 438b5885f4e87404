"""Docker Compose v2 for the import tests, installed once into .venv-compose-v2 by scripts/compose-v2-venv.

Tests that run Compose carry the ``judges`` marker (an external tool, like the artifact validators); the pure
translation tests use canned models and run everywhere.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_CORPUS_CANDIDATES = [ROOT.parent / "shared", ROOT.parent.parent / "shared"]


def corpus_dir() -> Path | None:
    """The awesome-compose corpus ($SHIPSPEC_CORPUS, else ``../shared/corpus`` beside the checkout)."""
    if os.environ.get("SHIPSPEC_CORPUS"):
        return Path(os.environ["SHIPSPEC_CORPUS"])
    for shared in _CORPUS_CANDIDATES:
        if (shared / "corpus" / "awesome-compose").is_dir():
            return shared / "corpus" / "awesome-compose"
    return None


@pytest.fixture(scope="session")
def compose_v2() -> list[str]:
    """The Compose v2 command: $SHIPSPEC_COMPOSE when set, else the project's own venv (created on first use)."""
    if os.environ.get("SHIPSPEC_COMPOSE"):
        return os.environ["SHIPSPEC_COMPOSE"].split()
    done = subprocess.run(
        [str(ROOT / "scripts" / "compose-v2-venv")], capture_output=True, text=True, check=False, timeout=900
    )
    assert done.returncode == 0, done.stderr
    return [done.stdout.strip().splitlines()[-1]]


@pytest.fixture()
def run_import(compose_v2: list[str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``shipspec import ARGS`` in a subprocess in ``cwd``, with Compose v2 found through SHIPSPEC_COMPOSE."""

    def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full = {**os.environ, "SHIPSPEC_COMPOSE": " ".join(compose_v2), **(env or {})}
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "shipspec"), "import", *args],
            cwd=cwd, env=full, capture_output=True, text=True, check=False, timeout=120,
        )

    return run
