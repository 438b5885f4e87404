"""A whole engine restart (dockerd stopped, then started again, as a host reboot does) under load: the app serves
again with no apply and no shipspec process, and ``plan`` then shows no drift.

Never the shared engine: ``scripts/private-engine`` runs a dockerd of this test's own in a network namespace of its
own (own data root, exec root, socket), and shipspec, the load (``benchmarks.probe``) and the faults all run inside
that namespace. Slow (the engine start and the images copied onto it: about a minute); needs root, like CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import SHIPSPEC, Project, free_port
from tests.e2e.test_restarts import _spec
from tests.support.busybox import TAG as BUSYBOX_TAG
from tests.support.proxy_image import TAG as PROXY_TAG

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "private-engine"


class Engine:
    def __init__(self, folder: Path) -> None:
        self.env = {**os.environ, "SHIPSPEC_ENGINE_NS": f"ssi12-{os.getpid()}", "SHIPSPEC_ENGINE_DIR": str(folder)}

    def script(self, *args: str, timeout: float = 300, cwd: Path = ROOT,
               extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), *args], env={**self.env, **(extra or {})}, cwd=cwd, check=False,
                              capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def engine(proxy_image: str, busybox_image: str) -> Iterator[Engine]:
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the engine-restart test needs root in CI (a private dockerd in a network namespace)")
        pytest.skip("a private dockerd in a network namespace needs root (CI runs as root)")
    folder = Path(tempfile.mkdtemp(prefix="sse-"))  # short: containerd's socket path must stay under 108 bytes
    eng = Engine(folder)
    try:
        up = eng.script("up", BUSYBOX_TAG, "busybox:1.36", PROXY_TAG, "haproxy:2.6")
        assert up.returncode == 0, up.stderr
        yield eng
    finally:
        eng.script("down")
        shutil.rmtree(folder, ignore_errors=True)


def test_engine_restart_serves_again_without_an_apply(engine: Engine, project: Project) -> None:
    port = free_port()
    project.write(_spec(project, port))
    extra = {"NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(project.root / ".state"), "SHIPSPEC_PROXY_IMAGE": PROXY_TAG}

    def shipspec(*args: str) -> subprocess.CompletedProcess[str]:
        return engine.script("exec", SHIPSPEC, *args, cwd=project.root, extra=extra)

    applied = shipspec("apply", "-y")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    probe = subprocess.Popen(
        [str(SCRIPT), "exec", sys.executable, "-m", "benchmarks.probe", str(port)],
        env=engine.env, cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        restarted = engine.script("restart")
        assert restarted.returncode == 0, restarted.stderr
        out, _ = probe.communicate(timeout=180)
    finally:
        probe.kill()
    report = json.loads(out)
    print(f"\nengine restart: {report['sent']} requests, {report['failed']} failed, longest gap "
          f"{report['longest_gap_s']:.2f} s, serving again after {report['serve_again_s']:.2f} s")
    assert report["failed"] > 0, "the restart should have cost requests: was the engine really restarted?"
    assert report["serve_again_s"] != float("inf"), report
    end = time.monotonic() + 60  # Docker's own checks must pass again before the plan can see the replicas healthy
    while "starting" in engine.script("exec", "docker", "ps", "--format", "{{.Status}}").stdout:
        assert time.monotonic() < end, "replicas not healthy again"
        time.sleep(0.5)
    plan = shipspec("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
