"""Turn executor events into progress output: one line per event, with the step's duration when it ends.

On a terminal, steps that take a while show a "…" line when they start; off a terminal (CI logs) the same lines
appear without colour, so logs stay greppable. The executor itself never prints.
"""

from __future__ import annotations

import threading

import click

from engine.events import (
    Event,
    InterruptedClosed,
    LockRecovered,
    LockWaiting,
    ReleaseStarting,
    Replanned,
    RestoreFinished,
    RestoreStarted,
    RollbackFinished,
    RollbackStarted,
    StepDone,
    StepFailed,
    StepStarted,
    Unrestored,
)


def unrestored_text(items: tuple[Unrestored, ...]) -> str:
    """``web-1, web-2 (retired)``: the containers a failed release left, grouped by what happened to them."""
    groups: dict[str, list[str]] = {}
    for item in items:
        groups.setdefault(item.how, []).append(item.container)
    return "; ".join(f"{', '.join(names)} ({how})" for how, names in groups.items())


class ProgressPrinter:
    def __init__(self, color: bool) -> None:
        self.color = color
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}

    def _say(self, text: str, fg: str | None = None) -> None:
        with self._lock:
            click.echo(click.style(text, fg=fg) if self.color and fg else text)

    def on_event(self, event: Event) -> None:
        match event:
            case StepStarted(seq=seq, step_id=step_id, description=text):
                self._names[step_id] = text
                self._say(f"  [{seq:>3}] … {text}")
            case StepDone(seq=seq, step_id=step_id, seconds=seconds):
                self._say(f"  [{seq:>3}] ✓ {self._names.get(step_id, step_id)} ({seconds:.1f}s)", "green")
            case StepFailed(seq=seq, error=error, log_tail=tail):
                self._say(f"  [{seq:>3}] ✗ {error}", "red")
                if tail:
                    self._say("        last log lines:")
                    for line in tail:
                        self._say(f"        | {line}")
            case RollbackStarted(steps=0):
                self._say("Rolling back: nothing had changed yet.", "yellow")
            case RollbackStarted(steps=count):
                self._say(f"Rolling back: undoing {count} completed step{'s' if count != 1 else ''}.", "yellow")
            case RollbackFinished(ok=True, unrestored=()):
                self._say("Rollback finished: the changes made so far are undone.", "yellow")
            case RollbackFinished(ok=True, unrestored=left):
                self._say(f"Rollback finished except for {unrestored_text(left)}: undoing cannot bring those back.",
                          "yellow")
            case RollbackFinished(detail=detail):
                self._say(f"Rollback incomplete: {detail}", "red")
            case RestoreStarted(revision=revision, as_revision=new, failed=failed, unrestored=left, steps=count):
                self._say(f"Re-applying revision {revision}, pinned to its images, where revision {failed} left "
                          f"{unrestored_text(left)}: {count} step{'s' if count != 1 else ''} as revision {new}.",
                          "yellow")
            case RestoreFinished(ok=True, revision=revision, detail=detail):
                self._say(f"Restored revision {revision}{': ' + detail if detail else ''}.", "yellow")
            case RestoreFinished(revision=revision, detail=detail):
                self._say(f"Could not restore revision {revision}: {detail}", "red")
            case LockRecovered(lock_id=lock_id, pid=pid):
                self._say(f"Recovered lock {lock_id}: its holder (pid {pid} on this host) no longer runs.")
            case InterruptedClosed(revision=revision):
                self._say(f"Closed revision {revision} as failed: it was interrupted; this apply converges from "
                          "what runs.")
            case LockWaiting(holder=holder, timeout_s=timeout):
                self._say(f"Waiting up to {timeout:g}s for the lock: {holder}.", "yellow")
            case Replanned(reasons=reasons):
                shown = "; ".join(reasons[:4]) + (f"; and {len(reasons) - 4} more" if len(reasons) > 4 else "")
                self._say(f"The engine changed while this apply waited ({shown}); planning again from what runs now:",
                          "yellow")
            case ReleaseStarting(revision=revision, app=app, env=env):
                self._say(f"Applying revision {revision} of {app}{' (' + env + ')' if env else ''}:")
