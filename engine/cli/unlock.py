"""``shipspec unlock LOCK_ID``: break a lock whose holder died (refuses a fresh lease unless --force)."""

from __future__ import annotations

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.session import open_session


@click.command()
@click.argument("lock_id")
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--force", is_flag=True, help="Break it even though its lease is fresh.")
def unlock(lock_id: str, spec_file: str, env: str | None, state_dir: str | None, force: bool) -> None:
    """Remove the app's lock with this ID (shown by the command that was refused, and by `status`)."""
    from engine.usecases.lock import unlock as break_lock

    session = open_session(spec_file, env, state_dir)
    info = break_lock(session.gateway, session.app, session.env, lock_id, force=force)
    click.echo(f"Removed lock {info.lock_id} (held by {info.user}@{info.host}, pid {info.pid}).")


command = unlock
