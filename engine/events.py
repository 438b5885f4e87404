"""What the executor reports while it runs. It never prints: the CLI turns these events into progress output,
tests record them, and the history store journals the step ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StepStarted:
    seq: int
    step_id: str
    kind: str
    service: str
    description: str


@dataclass(frozen=True)
class StepDone:
    seq: int
    step_id: str
    seconds: float


@dataclass(frozen=True)
class StepFailed:
    seq: int
    step_id: str
    error: str
    log_tail: tuple[str, ...] = ()


@dataclass(frozen=True)
class RollbackStarted:
    reason: str
    steps: int


@dataclass(frozen=True)
class RollbackFinished:
    ok: bool
    detail: str = ""


Event = StepStarted | StepDone | StepFailed | RollbackStarted | RollbackFinished


class ExecutionListener(Protocol):
    def on_event(self, event: Event) -> None: ...


class RecordingListener:
    """Keeps every event, for tests and for the final report."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def on_event(self, event: Event) -> None:
        self.events.append(event)
