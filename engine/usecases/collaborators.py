"""What every engine-facing use case is given, instead of reaching for globals (Helm's ``action.Configuration``).

Production wires the Docker gateway, the SQLite history, the system clock and the CLI's progress printer
(``engine.cli.session``); tests wire the fakes of ``engine.testing`` and run a use case in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.execute import DEFAULT_PARALLELISM
from engine.ports import Clock, ExecutionListener, HistoryStore, LockingGateway


@dataclass(frozen=True)
class Collaborators:
    gateway: LockingGateway
    history: HistoryStore
    clock: Clock
    listener: ExecutionListener


@dataclass(frozen=True)
class ApplySettings:
    """How a change is carried out: ``apply``'s and ``rollback``'s flags."""

    parallelism: int = DEFAULT_PARALLELISM
    rollback: bool = True           # on failure, undo (and re-apply the last release when undoing is not enough)
    lock_timeout_s: float = 0.0     # how long to wait for another operator's lock
