"""Smoke test of the benchmark harness: ``--quick --dry-run`` writes the apps and checks them with every tool.

No timings are asserted here (benchmarks report, tests do not time). Marked ``slow`` because it may first install
``docker-compose`` 1.29.2 into ``.venv-compose`` (``benchmarks/compose-venv``) and Compose v2 into
``.venv-compose-v2`` (``benchmarks/compose-v2-venv``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_quick_dry_run_writes_both_files_and_every_tool_accepts_them() -> None:
    for script in ("compose-venv", "compose-v2-venv"):   # both idempotent: a no-op once installed
        installed = subprocess.run([str(ROOT / "benchmarks" / script)], cwd=ROOT, capture_output=True,
                                   text=True, timeout=900, check=False)
        assert installed.returncode == 0, installed.stdout + installed.stderr

    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--dry-run"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)

    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "Traceback" not in out
    for shape in ("flat", "chain"):
        assert f"N=10 {shape}: shipspec validate ok" in out, out
        assert f"N=10 {shape}: docker-compose config ok" in out, out
        assert f"N=10 {shape}: compose v2 config ok" in out, out
        assert f"N=10 {shape}: compose v2 config ok" in out, out
    folder = ROOT / "benchmarks" / ".work" / "dry" / "chain10"
    spec = yaml.safe_load((folder / "app.yaml").read_text())
    compose = yaml.safe_load((folder / "docker-compose.yml").read_text())
    assert len(spec["services"]) == len(compose["services"]) == 10
    assert spec["services"]["s02"]["depends_on"] == {"s01": "healthy"}
    assert compose["services"]["s02"]["depends_on"] == {"s01": {"condition": "service_healthy"}}
    assert all("ports" not in svc for svc in compose["services"].values())
    assert spec["services"]["s06"]["strategy"] == {"type": "recreate"}   # the stop-first change shipspec times
