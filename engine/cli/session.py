"""Open what engine-facing commands share: the validated spec, the Docker gateway and the release history."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.adapters.clock import SystemClock
from engine.baseimages import base_image_overrides
from engine.errors import HistoryError
from engine.history.sqlite import SqliteHistoryStore
from engine.plan.render_text import want_color
from engine.ports import ExecutionListener, LockingGateway

if TYPE_CHECKING:
    from engine.usecases.collaborators import Collaborators
from engine.spec.validate import ValidSpec
from engine.timeline import mark
from engine.usecases.history import last_apply_finished
from engine.usecases.prepare import Options, load, state_dir


@dataclass
class Session:
    options: Options
    valid: ValidSpec
    gateway: LockingGateway
    history_path: Path
    _history: SqliteHistoryStore | None = None

    @property
    def history(self) -> SqliteHistoryStore:
        """Opened (and created, with its folder) on first use: commands that only read never create it."""
        if self._history is None:
            try:
                self._history = SqliteHistoryStore(self.history_path)
            except OSError as exc:
                raise HistoryError(
                    f"cannot create the state folder {self.history_path.parent}: {exc.strerror}; "
                    "pass --state-dir a folder you can write"
                ) from None
        return self._history

    def next_revision(self) -> int:
        """The revision an apply would write; without a history yet it is 1, and nothing is created (a plan
        leaves the disk as it found it)."""
        if self._history is None and not self.history_path.exists():
            return 1
        return self.history.next_revision(self.app, self.env)

    def settled(self) -> bool:
        """The last apply finished (a release is deployed) and none is pending; without a history, unknown: no."""
        if self._history is None and not self.history_path.exists():
            return False
        return last_apply_finished(self.history, self.app, self.env)

    @property
    def app(self) -> str:
        return self.valid.spec.name

    @property
    def env(self) -> str:
        return self.valid.env or ""

    @property
    def swarm(self) -> bool:
        """The environment deploys to a Swarm: the command hands over to ``engine.cli.swarm``."""
        from engine.spec.model import TargetType

        return self.valid.spec.target.type is TargetType.SWARM

    def collaborators(self, listener: ExecutionListener) -> Collaborators:
        """The real ports, wired for one use case: Docker, the SQLite history, the system clock."""
        from engine.usecases.collaborators import Collaborators

        return Collaborators(self.gateway, self.history, SystemClock(), listener)


def open_session(spec_file: str | Path, env: str | None, state: str | None) -> Session:
    from engine.adapters.docker import DockerSdkGateway

    options = Options(Path(spec_file), env, Path(state) if state else None)
    for hint in base_image_overrides(options.environ)[1]:
        print(hint, file=sys.stderr)
    valid = load(options)
    mark("spec-validated")
    root = state_dir(valid, options)
    gateway = DockerSdkGateway(root / "files", docker_host=valid.spec.target.docker_host)
    return Session(options, valid, gateway, root / "history.db")


def color_out() -> bool:
    return want_color(sys.stdout.isatty(), os.environ)
