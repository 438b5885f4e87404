"""``shipspec rollback [--to REV]``: re-apply a recorded release, pinned to its images, as a new revision."""

from __future__ import annotations

import click

from engine.cli.apply import finish
from engine.cli.confirm import confirm
from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.progress import ProgressPrinter
from engine.cli.session import color_out, open_session
from engine.history.model import ReleaseRecord
from engine.plan.plan import Plan


@click.command()
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--to", "to", type=int, default=None, help="Revision to restore (default: the one before the current).")
@click.option("--yes", "-y", is_flag=True, help="Roll back without asking.")
@click.option("--lock-timeout", type=float, default=0.0, show_default=True)
def rollback(spec_file: str, env: str | None, state_dir: str | None, to: int | None, yes: bool,
             lock_timeout: float) -> None:
    """Restore a past release (its spec and exact images) through a normal, health-gated rollout."""
    from engine.plan.render_text import render_text
    from engine.usecases.collaborators import ApplySettings
    from engine.usecases.rollback import rollback as run_rollback

    def approve(target: ReleaseRecord, plan: Plan) -> None:
        click.echo(f"Rolling back {session.app} to revision {target.revision} ({target.status.value}).")
        click.echo(render_text(plan, color=color_out()), nl=False)
        if plan.has_changes and not yes:
            confirm(f"Restore revision {target.revision}?", hint="pass --yes to go ahead without asking")

    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli.swarm import rollback as swarm_rollback

        swarm_rollback(session, to, yes, lock_timeout)

        return
    outcome = run_rollback(session.collaborators(ProgressPrinter(color_out())), session.options,
                           ApplySettings(lock_timeout_s=lock_timeout), session.app, session.env, to, approve)
    if outcome.deployed is not None:
        finish(outcome.deployed)


command = rollback
