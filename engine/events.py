"""What a running use case and its executor report (to an ``engine.ports.ExecutionListener``). Nothing here
prints: the CLI turns these events into progress output, tests record them, the history journals the step ones."""

from __future__ import annotations

from dataclasses import dataclass


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
class Unrestored:
    """What a failed release changed that undoing its steps cannot put back: undoing only removes what it created
    and restarts, renames and re-aliases what still exists."""

    service: str
    container: str
    how: str  # "retired" (removed: its replacement was healthy, or stop-first) | "updated in place"


@dataclass(frozen=True)
class RollbackFinished:
    """The failed release's own steps are undone (``ok``) or not (``detail`` says what is left); ``unrestored``
    names what undoing could not restore either way."""

    ok: bool
    detail: str = ""
    unrestored: tuple[Unrestored, ...] = ()


@dataclass(frozen=True)
class RestoreStarted:
    """The last deployed release is re-applied, pinned to its images, where a failed release left ``unrestored``:
    forward steps of a new revision, not an undo."""

    revision: int       # the release re-applied
    as_revision: int    # the new ``rollback`` revision that runs it
    failed: int         # the release that failed
    unrestored: tuple[Unrestored, ...]
    steps: int


@dataclass(frozen=True)
class RestoreFinished:
    ok: bool
    revision: int  # the release re-applied
    detail: str = ""


@dataclass(frozen=True)
class LockRecovered:
    """The lock of a holder that no longer runs on this host was broken (kill -9, a crash)."""

    lock_id: str
    pid: int


@dataclass(frozen=True)
class InterruptedClosed:
    """A release a killed shipspec left pending was closed as failed before planning again."""

    revision: int


@dataclass(frozen=True)
class ReleaseStarting:
    """The lock is held and the engine re-checked: the release's first step is about to run."""

    revision: int
    app: str
    env: str


@dataclass(frozen=True)
class LockWaiting:
    """Another operation holds the lock; this one waits for it (``--lock-timeout``), said once."""

    holder: str          # LockInfo.describe(): who, which pid and command, since when
    timeout_s: float


@dataclass(frozen=True)
class Replanned:
    """The engine changed while this apply waited for the lock: the plan was made again under the lock."""

    reasons: tuple[str, ...]


Event = (
    StepStarted | StepDone | StepFailed | RollbackStarted | RollbackFinished | RestoreStarted | RestoreFinished
    | LockRecovered | InterruptedClosed | ReleaseStarting | LockWaiting | Replanned
)


class RecordingListener:
    """Keeps every event, for tests and for the final report."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def on_event(self, event: Event) -> None:
        self.events.append(event)
