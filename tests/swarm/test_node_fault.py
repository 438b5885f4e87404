"""A worker's dockerd killed in the middle of a rolling update: the apply ends within its deadline, converged or
rolled back, and ``status`` names the node that went down. The node's engine is started again afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from tests.swarm.conftest import SHIPSPEC, SwarmProject, shop_spec

pytestmark = [pytest.mark.docker, pytest.mark.swarm, pytest.mark.slow]
DEADLINE_S = 420  # web: 3 batches x (30 s health deadline + 5 s monitor) + api, db unchanged: far below this


def _node_state(project: SwarmProject, node: str) -> str:
    done = project.cluster.docker("node", "inspect", node, "--format", "{{.Status.State}}")
    return done.stdout.strip()


def _apply_until_updating(project: SwarmProject, greeting: str) -> subprocess.Popen[str]:
    """An apply of a changed web tier in the background, returned once the web service reports "updating"
    (bounded) or the apply already ended."""
    project.write(shop_spec(project, greeting=greeting))
    env = {**os.environ, "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(project.root / ".state"),
           "SHOP_DB_PASSWORD": "s3cret"}
    apply = subprocess.Popen([SHIPSPEC, "apply", "--yes"], cwd=project.root, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    for _ in range(120):
        state = project.service("web").get("UpdateStatus", {}).get("State", "")
        if state == "updating" or apply.poll() is not None:
            break
        time.sleep(0.25)
    return apply


def test_a_worker_engine_killed_mid_update(project: SwarmProject) -> None:
    project.write(shop_spec(project))
    project.run("apply", "--yes")
    apply = _apply_until_updating(project, "after-fault")
    try:
        os.kill(project.cluster.dockerd_pid("n3"), signal.SIGKILL)
        out, err = apply.communicate(timeout=DEADLINE_S)  # nothing hangs past the deadline
    finally:
        if apply.poll() is None:
            apply.kill()
    assert "Traceback" not in err
    finished = "Apply complete" in out or "every service this apply changed is back" in err
    assert finished, out + err
    for _ in range(120):  # the manager notices a silent node within its heartbeat period
        if _node_state(project, "n3") == "down":
            break
        time.sleep(0.5)
    status = json.loads(project.run("status", "--format", "json").stdout)
    assert status["nodes_down"] == ["n3"]
    text = project.run("status").stdout
    assert "down: n3" in text
    assert all(t["node"] != "n3" or t["node_state"] == "down" for t in status["tasks"])
    restart = project.cluster.script("up")
    assert restart.returncode == 0, restart.stderr
    for _ in range(120):
        if _node_state(project, "n3") == "ready":
            break
        time.sleep(0.5)
    assert _node_state(project, "n3") == "ready"


def _running_on(project: SwarmProject, node: str) -> list[str]:
    done = project.cluster.docker("node", "ps", node, "--filter", "desired-state=running", "--format", "{{.Name}}")
    return [name for name in done.stdout.split() if name.startswith(project.app)]


def test_a_worker_drained_mid_update_and_status_and_plan_say_which_tasks_moved(project: SwarmProject) -> None:
    project.write(shop_spec(project))
    project.run("apply", "--yes")
    assert _running_on(project, "n3"), "spread placement puts a web or api task on n3"
    apply = _apply_until_updating(project, "after-drain")
    try:
        drained = project.cluster.docker("node", "update", "--availability", "drain", "n3")
        assert drained.returncode == 0, drained.stderr
        out, err = apply.communicate(timeout=DEADLINE_S)  # nothing hangs past the deadline
        assert "Traceback" not in err
        assert "Apply complete" in out or "every service this apply changed is back" in err, out + err
        for _ in range(120):  # bounded: Swarm moves the drained node's tasks within seconds
            if not _running_on(project, "n3"):
                break
            time.sleep(0.5)
        assert _running_on(project, "n3") == []
        status = json.loads(project.run("status", "--format", "json").stdout)
        moved = [m for m in status["moved"] if "(n3 drain)" in m]
        assert moved, status["moved"]
        assert all(m.split(" ")[1] == "n3" and m.split(" ")[3] in ("n1", "n2") for m in moved), moved
        text = project.run("status").stdout
        plan = project.run("plan", check=False).stdout
        for line in moved:
            assert f"Moved: {line}" in text and f"Moved: {line}" in plan, text + plan
    finally:
        if apply.poll() is None:
            apply.kill()
        project.cluster.docker("node", "update", "--availability", "active", "n3")
