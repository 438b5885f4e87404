"""Fault injection: SIGKILL shipspec at every step boundary of a multi-service apply, then apply again.

Each time the app must converge: the next plan is empty, exactly the expected containers exist (none orphaned,
none duplicated), the interrupted release is closed as failed, and the named volume's data written before the
apply is intact. The kill comes from the failpoint hook (``SHIPSPEC_FAILPOINT=after:K``), so every boundary is hit
deterministically rather than by a timer.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import SHIPSPEC, free_port

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _spec(app: str, port: int, version: str) -> dict[str, object]:
    health = {"http": {"path": "/", "port": 8080}, "interval": "1s", "timeout": "2s", "retries": 3,
              "start_period": "5s"}
    web = {"image": "busybox:1.36", "command": ["httpd", "-f", "-p", "8080", "-h", "/www"],
           "files": [{"target": "/www/index.html", "content": f"{version}\n"}], "health": health,
           "stop_grace_period": "1s"}
    return {
        "version": 1,
        "name": app,
        "services": {
            "db": {**copy.deepcopy(web), "volumes": [{"name": "data", "target": "/data"}], "env": {"VERSION": version},
                   "strategy": {"type": "rolling", "max_surge": 1, "drain": "0s"}},
            "web": {**copy.deepcopy(web), "ports": [{"container": 8080, "host": port}], "depends_on": {"db": "healthy"},
                    "env": {"VERSION": version}, "strategy": {"type": "rolling", "drain": "0s"}},
        },
    }


class App:
    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name, self.port = root, name, free_port()
        self.env = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(root / ".state")}

    def write(self, version: str) -> None:
        (self.root / "app.yaml").write_text(yaml.safe_dump(_spec(self.name, self.port, version)), encoding="utf-8")

    def shipspec(self, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **({"SHIPSPEC_FAILPOINT": failpoint} if failpoint else {})}
        done = subprocess.run([SHIPSPEC, *args], cwd=self.root, env=env, capture_output=True, text=True,
                              timeout=300, check=False, stdin=subprocess.DEVNULL)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def containers(self) -> list[str]:
        out = subprocess.run(["docker", "ps", "-a", "--filter", f"label=dev.shipspec.app={self.name}",
                              "--format", "{{.Names}}"], check=True, capture_output=True, text=True).stdout
        return sorted(out.split())

    def volume_data(self) -> str:
        return subprocess.run(["docker", "exec", f"{self.name}-db-1", "cat", "/data/marker"], check=True,
                              capture_output=True, text=True).stdout


def _steps_of_update(app: App, to: str, back: str) -> int:
    app.write(to)
    plan = json.loads(app.shipspec("plan", "--format", "json").stdout)
    app.write(back)
    return len(plan["steps"])


@pytest.mark.timeout(1800)
def test_every_kill_point_of_an_update_converges(tmp_path: Path, app_name: str, busybox_image: str,
                                                 proxy_image: str) -> None:
    app = App(tmp_path, app_name)
    app.write("v1")
    assert app.shipspec("apply", "--yes").returncode == 0
    subprocess.run(["docker", "exec", "-u", "0", f"{app_name}-db-1", "sh", "-c", "echo precious > /data/marker"],
                   check=True)
    expected = sorted([f"{app_name}-db-1", f"{app_name}-web-1", f"{app_name}-shipspec-proxy-1"])
    total = _steps_of_update(app, "v2", "v1")
    assert total >= 10, "the update should exercise drains, stops, removals and renames"
    exercised = 0
    current = "v1"
    # Each round updates to the other version and is killed after step K; recovery leaves it on that version,
    # so the next round updates back: every round is the same shape of update, and costs two applies.
    for k in range(1, total):
        target = "v2" if current == "v1" else "v1"
        app.write(target)
        killed = app.shipspec("apply", "--yes", failpoint=f"after:{k}")
        assert killed.returncode == -9, f"after:{k}: expected SIGKILL, got {killed.returncode}\n{killed.stdout}"
        recovered = app.shipspec("apply", "--yes")
        assert recovered.returncode == 0, f"after:{k}: recovery failed\n{recovered.stdout}\n{recovered.stderr}"
        assert app.shipspec("plan", "--detailed-exitcode").returncode == 0, f"after:{k}: did not converge"
        assert app.containers() == expected, f"after:{k}: orphaned or duplicated containers"
        assert app.volume_data() == "precious\n", f"after:{k}: volume data lost"
        history = json.loads(app.shipspec("history", "--format", "json").stdout)
        assert not any(r["status"] == "pending" for r in history), f"after:{k}: a release was left pending"
        exercised += 1
        current = target
    print(f"\nkill points exercised: {exercised} (after each step but the last of a {total}-step update)")
    assert exercised == total - 1
