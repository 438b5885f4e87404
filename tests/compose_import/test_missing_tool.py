"""Compose v2 is an optional dependency of `shipspec import`: without it the command says how to get it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.compose_import.conftest import ROOT


def test_missing_compose_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    env = {**os.environ, "SHIPSPEC_COMPOSE": str(tmp_path / "no-such-compose")}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "shipspec"), "import"], cwd=tmp_path, env=env, capture_output=True, text=True,
        check=False, timeout=60,
    )
    assert done.returncode == 3
    assert "not a working Docker Compose v2" in done.stderr and "shipspec[import]" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "app.yaml").exists()
