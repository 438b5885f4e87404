"""Write the plan memo after a full ``plan`` that found nothing to do, when the fast path could answer soundly
(see ``engine.noop.memo``). Best effort: a memo that cannot be written only means the next plan runs in full."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine.labels import app_filter
from engine.noop import memo
from engine.noop.engine_http import EngineUnavailable, socket_path


def fingerprint_before(app: str) -> str | None:
    """The engine's objects of ``app`` before the full plan observes them (no image references yet)."""
    try:
        return memo.fingerprint(socket_path(os.environ), app_filter(app)["label"], [])[0]
    except (EngineUnavailable, OSError, ValueError):
        return None


def eligible(valid: Any, desired: Any) -> bool:
    """No other file is read (builds, ``files`` from a source), no proxy membership is part of the plan, and the
    engine is the local one the fast path reads (not a ``target.docker_host`` named in the spec)."""
    target = getattr(valid.spec, "target", None)
    if target is not None and (getattr(target, "docker_host", None) or getattr(target, "type", "engine") != "engine"):
        return False
    services = valid.spec.services.values()
    if any(svc.build is not None or any(f.source is not None for f in svc.files) for svc in services):
        return False
    return all(svc.build is None and not svc.backends for svc in desired.services.values())


def record(before: tuple[bytes, str | None], valid: Any, desired: Any, state: Path, env: str | None,
           text: str) -> None:
    """Write the memo if neither the spec file nor the engine changed while the plan ran (``before``: the file's
    bytes before it was loaded, the engine's fingerprint before it was observed); otherwise remove a stale one."""
    raw, engine_before = before
    app = valid.spec.name
    labels = app_filter(app)["label"]
    refs = sorted({svc.image_ref for svc in desired.services.values()})
    try:
        socket = socket_path(os.environ)
        after = memo.fingerprint(socket, labels, [])[0]
        same_file = Path(valid.path).read_bytes() == raw
        if engine_before is None or after != engine_before or not same_file or not eligible(valid, desired):
            memo.forget(state)
            return
        digest = memo.fingerprint(socket, labels, refs)[0]
        key = memo.inputs_key(Path(valid.path), raw, env, os.environ)
        memo.write(state, {"key": key, "digest": digest, "app": app, "labels": labels, "refs": refs, "text": text})
    except (EngineUnavailable, OSError, ValueError):
        return
