"""Start-up cost guard: importing the CLI must not import the heavy libraries only some commands need.

``docker`` (with requests and urllib3) is imported by the gateway on first use, ``jinja2`` only when a Dockerfile
is rendered, ``jsonschema`` only when a spec is validated. Each costs about a tenth of a second of CPU at start-up;
this test keeps a stray top-level import from silently bringing them back. It runs in a fresh interpreter, since
the test process itself has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = ("docker", "jinja2", "jsonschema")


def test_importing_the_cli_leaves_docker_jinja_and_jsonschema_unimported() -> None:
    code = f"import json, sys, engine.cli; print(json.dumps([m for m in {list(LAZY)!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == []
