"""``shipspec plan`` when nothing changed: answer from the memo (``engine.noop.memo``) or step aside.

Takes only the plain text form: ``plan [-f FILE] [-e ENV] [--state-dir DIR] [--detailed-exitcode]``. Returns the
exit code when it answered, None when the full command must run (any other option, no or stale memo, an engine it
cannot read, any error at all: the full command then says what is wrong). Prints nothing unless it answers.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from engine.noop import memo
from engine.noop.engine_http import socket_path

STATE_DIR_ENV = "SHIPSPEC_STATE_DIR"   # engine.usecases.prepare.STATE_DIR_ENV, without importing it
_VALUED = {"-f": "file", "--file": "file", "-e": "env", "--env": "env", "--state-dir": "state"}


def observed_line(app: str, containers: int, networks: int, volumes: int, seconds: float) -> str:
    """The first line of ``plan``'s text output (the full command prints the same)."""

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'s' if count != 1 else ''}"

    parts = ", ".join((n(containers, "container"), n(networks, "network"), n(volumes, "volume")))
    return f'Observed {parts} of "{app}" in {seconds * 1000:.0f} ms.'


def parse(argv: list[str]) -> dict[str, str] | None:
    """The options, or None for anything this path does not take."""
    out: dict[str, str] = {"file": "app.yaml"}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if arg == "--detailed-exitcode":
            continue
        if name in _VALUED and name.startswith("--") and eq:
            out[_VALUED[name]] = value
        elif arg in _VALUED:
            following = next(args, None)
            if following is None or following.startswith("-"):
                return None
            out[_VALUED[arg]] = following
        else:
            return None
    return out


def state_dir(spec: Path, given: str | None) -> Path:
    if given:
        return Path(given)
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    return spec.parent / ".shipspec"


def try_plan(argv: list[str]) -> int | None:
    try:
        return _answer(argv)
    except Exception:  # whatever went wrong, the full command runs and reports it properly
        return None


def _answer(argv: list[str]) -> int | None:
    options = parse(argv)
    if options is None:
        return None
    spec = Path(options["file"])
    found = memo.read(state_dir(spec, options.get("state")))
    if found is None:
        return None
    raw = spec.read_bytes()
    if found.get("key") != memo.inputs_key(spec, raw, options.get("env"), os.environ):
        return None
    began = time.monotonic()
    digest, counts = memo.fingerprint(socket_path(os.environ), list(found["labels"]), list(found["refs"]))
    if digest != found.get("digest"):
        return None
    seconds = time.monotonic() - began
    out = observed_line(str(found["app"]), counts["containers"], counts["networks"], counts["volumes"], seconds)
    sys.stdout.write(f"{out}\n\n{found['text']}")
    sys.stdout.flush()
    return 0
