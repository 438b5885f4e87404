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


def test_large_suite_runs_on_a_small_spec_and_reports_every_step() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--suite", "large", "--services", "20",
                           "--repeat", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in out, out
    for step in ("validate", "plan", "plan_observed", "render"):
        assert f"| {step} | " in out and f"| {step} | - |" not in out, out


def test_growth_table_gives_the_cost_of_one_more_container() -> None:
    from benchmarks.growth import table

    rows = table({"shipspec": {1: {"apply": 1.0, "plan": 0.5, "plan_again": 0.1},
                               11: {"apply": 3.0, "plan": 1.5, "plan_again": 0.2}}})
    assert rows[-1] == "| shipspec | 11 | 3.00 s | 200 ms | 1.50 s | 100 ms | 0.20 s |"
