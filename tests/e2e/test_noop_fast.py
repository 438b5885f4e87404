"""The no-op fast path of ``shipspec plan`` against the real engine: answers from the memo with nothing heavy
imported, and steps aside (so the full plan reports the change) after drift made by hand or a spec edit."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import Project

pytestmark = pytest.mark.docker

HEAVY = ("pydantic", "docker", "requests", "click", "yaml", "jinja2", "jsonschema")
PROBE = (
    "import atexit, json, sys\n"
    f"atexit.register(lambda: print('MODULES', json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules])))\n"
    "sys.argv = ['shipspec', 'plan', '--detailed-exitcode']\n"
    "from engine.main import run\n"
    "run()\n"
)


def _doc(app: str, level: str) -> dict[str, object]:
    web = {"image": "busybox:1.36", "command": ["httpd", "-f", "-p", "8080", "-h", "/www"],
           "files": [{"target": "/www/index.html", "content": "hi\n"}], "env": {"LEVEL": level},
           "health": {"http": {"path": "/", "port": 8080}, "interval": "1s"}, "stop_grace_period": "1s"}
    return {"version": 1, "name": app, "services": {"web": web}}


def _settled(project: Project) -> None:
    """Plan until Docker itself reports the new container healthy (until then the plan waits for it) and a plan
    wrote the memo: a plan during which the engine changed (the health status turning healthy between its first
    look and its last) rightly plans to nothing yet leaves no memo, so one more plan is needed."""
    memo = project.root / ".state" / "plan-memo.json"
    deadline = time.monotonic() + 60
    while project.run("plan", "--detailed-exitcode", check=None).returncode != 0 or not memo.exists():
        assert time.monotonic() < deadline, "the app never planned to no changes with a memo written"
        time.sleep(0.5)


def test_a_repeated_no_op_plan_answers_from_the_memo_and_drift_still_shows(project: Project) -> None:
    project.write(_doc(project.app, "info"))
    project.run("apply", "--yes")
    _settled(project)

    env = {"NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(project.root / ".state")}
    fast = subprocess.run([sys.executable, "-c", PROBE], cwd=project.root, env={**_environ(), **env},
                          capture_output=True, text=True, timeout=120, check=False)
    assert fast.returncode == 0, fast.stdout + fast.stderr
    assert "No changes." in fast.stdout and 'Observed 1 container, 1 network, 0 volumes' in fast.stdout
    assert json.loads(fast.stdout.split("MODULES", 1)[1]) == []

    container = f"{project.app}-web-1"
    subprocess.run(["docker", "update", "--restart", "no", container], check=True, capture_output=True)
    drift = project.run("plan", "--detailed-exitcode", check=None)
    assert drift.returncode == 2 and "restart" in drift.stdout, drift.stdout

    project.run("apply", "--yes")
    _settled(project)
    project.write(_doc(project.app, "debug"))
    edited = project.run("plan", "--detailed-exitcode", check=None)
    assert edited.returncode == 2 and "LEVEL" in edited.stdout, edited.stdout


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)
