"""The plan memo: "this spec, in this environment, against exactly this engine state, plans to nothing".

A full ``shipspec plan`` that finds no changes writes ``plan-memo.json`` into the state dir: a key over every
input the plan reads besides the engine (shipspec's own code, the spec file's path and bytes, the environment
name, and the value of every environment variable the spec names or shipspec reads), a fingerprint of the engine
state (each container's full inspect, minus the health-check log, failing streak and exec IDs, which change by
themselves; the
app's networks and volumes; the image ID of every reference), and the text it printed. A later ``plan`` whose key
and fingerprint are equal prints that text again without loading the spec models, the SDK or the planner.

It is written only when that is sound: the engine was unchanged from before the plan's observe to after it, and
the spec reads no other file (no builds, no ``files`` from a source) and runs no proxy (whose membership lives in
HAProxy, not in the engine's objects). Any difference anywhere makes the fast path step aside; never the other
way round. Standard library only: this module is imported before anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.noop.engine_http import app_objects

MEMO_FILE = "plan-memo.json"
_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_OWN_PREFIXES = ("SHIPSPEC_", "DOCKER_")
ENGINE_ROOT = Path(__file__).resolve().parent.parent


def code_stamp() -> str:
    """Size and mtime of every module of shipspec: a changed or upgraded shipspec never reuses a memo."""
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(ENGINE_ROOT)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            stat = os.stat(os.path.join(folder, name))
            digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def inputs_key(spec: Path, raw: bytes, env: str | None, environ: Mapping[str, str]) -> str:
    """Everything besides the engine that the plan depends on (see the module docstring)."""
    names = {m.decode() for m in _NAME.findall(raw)}
    seen = {k: v for k, v in environ.items() if k in names or k.startswith(_OWN_PREFIXES)}
    doc = {"code": code_stamp(), "spec": str(spec.resolve()), "env": env or "", "environ": sorted(seen.items()),
           "raw": hashlib.sha256(raw).hexdigest()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _steady(inspect: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in inspect.items() if k != "ExecIDs"}
    health = (out.get("State") or {}).get("Health")
    if isinstance(health, dict):
        out["State"] = {**out["State"], "Health": {"Status": health.get("Status")}}   # not its log or streak
    return out


def fingerprint(socket: str, labels: list[str], refs: list[str]) -> tuple[str, dict[str, int]]:
    """(digest, counts of containers, networks and volumes) of the app's objects on the engine."""
    objects = app_objects(socket, labels, refs)
    doc = {
        "containers": [_steady(c) for c in objects["containers"] if c is not None],
        "networks": sorted(objects["networks"] or [], key=lambda n: str(n.get("Id"))),
        "volumes": sorted(objects["volumes"] or [], key=lambda v: str(v.get("Name"))),
        "images": objects["images"],
    }
    counts = {k: len(doc[k]) for k in ("containers", "networks", "volumes")}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest(), counts


def read(state_dir: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((state_dir / MEMO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def write(state_dir: Path, memo: dict[str, Any]) -> None:
    """Atomically (a reader sees the old memo or the new one), beside the release history. Only into a state folder
    that already exists: a plan leaves the disk as it found it, so it never creates one."""
    if not state_dir.is_dir():
        return
    tmp = state_dir / f".{MEMO_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(memo), encoding="utf-8")
    os.replace(tmp, state_dir / MEMO_FILE)


def forget(state_dir: Path) -> None:
    (state_dir / MEMO_FILE).unlink(missing_ok=True)
