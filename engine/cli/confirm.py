"""What several commands say or ask the same way: confirmation on a terminal, and what recovery found."""

from __future__ import annotations

import sys

import click

from engine.errors import ApplyError, UsageError
from engine.usecases.lock import AppLock

SAVED_PLAN_HINT = ("pass --yes, or apply a saved plan (`shipspec plan --out plan.json`, review, "
                   "`shipspec apply plan.json`)")


def confirm(question: str, hint: str = SAVED_PLAN_HINT) -> None:
    """Ask on a terminal; refuse without one, saying what a pipeline does instead (``hint``: only ``apply`` has
    saved plans; ``destroy`` and ``rollback`` take --yes)."""
    if not sys.stdin.isatty():
        raise UsageError(f"refusing to change the engine without confirmation: not on a terminal; {hint}")
    if not click.confirm(question, default=False):
        raise ApplyError("nothing changed: you declined")


def report_recovery(lock: AppLock, closed: list[int]) -> None:
    """Say what an earlier, killed shipspec left behind (for the Swarm commands, which print it themselves)."""
    if lock.recovered is not None:
        dead = lock.recovered
        click.echo(f"Recovered lock {dead.lock_id}: its holder (pid {dead.pid} on this host) no longer runs.")
    for revision in closed:
        click.echo(f"Closed revision {revision} as failed: it was interrupted; this apply converges from what runs.")
