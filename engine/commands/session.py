"""Open what engine-facing commands share: the validated spec, the Docker gateway and the release history."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.app import Options, load, state_dir
from engine.gateway import LockingGateway
from engine.history.sqlite import HistoryStore
from engine.plan.render_text import want_color
from engine.spec.validate import ValidSpec


@dataclass
class Session:
    options: Options
    valid: ValidSpec
    gateway: LockingGateway
    history: HistoryStore

    @property
    def app(self) -> str:
        return self.valid.spec.name

    @property
    def env(self) -> str:
        return self.valid.env or ""


def open_session(spec_file: str | Path, env: str | None, state: str | None) -> Session:
    from engine.adapters.docker import DockerSdkGateway

    options = Options(Path(spec_file), env, Path(state) if state else None)
    valid = load(options)
    root = state_dir(valid, options)
    gateway = DockerSdkGateway(root / "files")
    return Session(options, valid, gateway, HistoryStore(root / "history.db"))


def color_out() -> bool:
    return want_color(sys.stdout.isatty(), os.environ)
