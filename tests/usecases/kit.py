"""What the use-case tests share: a small spec, and every collaborator as its shipped fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from engine.events import RecordingListener
from engine.spec.validate import ValidSpec, load_and_validate
from engine.testing import FakeClock, FakeGateway, InMemoryHistoryStore
from engine.usecases.collaborators import ApplySettings, Collaborators
from engine.usecases.prepare import Options, Prepared, prepare

IMAGE = "sha256:" + "a" * 64
APP = "shop"


def write_spec(tmp_path: Path, *, log_level: str = "info", replicas: int = 3, secret: bool = False,
               deadline: str = "30s") -> Path:
    web: dict[str, Any] = {
        "image": "busybox:1.36", "replicas": replicas, "env": {"LOG_LEVEL": log_level},
        "depends_on": {"db": "healthy"}, "health": {"exec": ["true"]},
        "strategy": {"type": "rolling", "drain": "0s", "health_deadline": deadline},
    }
    if secret:
        web["secrets"] = {"TOKEN": {"env": "ST_TOKEN"}}
    doc = {
        "version": 1,
        "name": APP,
        "services": {
            "db": {"image": "busybox:1.36", "health": {"exec": ["true"]}, "strategy": {"type": "recreate"},
                   "volumes": [{"name": "data", "target": "/data"}]},
            "web": web,
        },
    }
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


class World:
    """One engine, one history, one clock, as the use cases see them."""

    def __init__(self, spec: Path, environ: dict[str, str] | None = None) -> None:
        self.spec = spec
        self.clock = FakeClock()
        self.gateway = FakeGateway(images={"busybox:1.36": IMAGE})
        self.history = InMemoryHistoryStore(self.clock)
        self.listener = RecordingListener()
        self.c = Collaborators(self.gateway, self.history, self.clock, self.listener)
        self.options = Options(spec, environ=environ or {})

    def valid(self) -> ValidSpec:
        return load_and_validate(self.spec)

    def prepare(self) -> Prepared:
        return prepare(self.valid(), self.gateway, self.options, self.history.next_revision(APP, ""))

    def settings(self, **changes: Any) -> ApplySettings:
        return ApplySettings(**changes)

    def observes(self) -> int:
        return len(self.gateway.calls_to("observe"))
