"""``shipspec rollback [--to REV]``: re-apply a recorded release, pinned to its images, as a new revision."""

from __future__ import annotations

import click

from engine.cli.apply import confirm, finish, report_recovery
from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.progress import ProgressPrinter
from engine.cli.session import color_out, open_session


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
    from engine.ports import SystemClock
    from engine.usecases.deploy import deploy
    from engine.usecases.lock import AppLock
    from engine.usecases.prepare import prepare
    from engine.usecases.release import close_interrupted
    from engine.usecases.rollback import choose_target, pinned_spec

    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli import swarm

        swarm.rollback(session, to, yes, lock_timeout)

        return
    target = choose_target(session.history, session.app, session.env, to)
    click.echo(f"Rolling back {session.app} to revision {target.revision} ({target.status.value}).")
    with AppLock(session.gateway, session.app, session.env, wait_seconds=lock_timeout) as lock:
        report_recovery(lock, close_interrupted(session.history, session.app, session.env))
        valid = pinned_spec(target, session.valid.path, session.valid.env, session.gateway)
        revision = session.history.next_revision(session.app, session.env)
        prepared = prepare(valid, session.gateway, session.options, revision)
        click.echo(render_text(prepared.plan, color=color_out()), nl=False)
        if not prepared.plan.has_changes:
            return
        if not yes:
            confirm(f"Restore revision {target.revision}?")
        outcome = deploy(valid, prepared.plan, {}, session.gateway, session.history, ProgressPrinter(color_out()),
                         SystemClock(), options=session.options, kind="rollback", rollback_of=target.revision)
    finish(outcome)


command = rollback
