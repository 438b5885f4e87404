"""``shipspec destroy``: remove the app's containers and network; named volumes only with ``--volumes``."""

from __future__ import annotations

import click

from engine.cli.apply import confirm
from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.progress import ProgressPrinter
from engine.cli.session import color_out, open_session
from engine.errors import ApplyError


@click.command()
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--volumes", is_flag=True, help="Also delete named volumes and their data.")
@click.option("--yes", "-y", is_flag=True, help="Destroy without asking.")
@click.option("--lock-timeout", type=float, default=0.0, show_default=True)
def destroy(spec_file: str, env: str | None, state_dir: str | None, volumes: bool, yes: bool,
            lock_timeout: float) -> None:
    """Stop and remove every container and the network of the app."""
    from engine.execute.dispatch import StepContext
    from engine.execute.executor import Executor
    from engine.plan.plan import make_destroy_plan
    from engine.plan.render_text import render_text
    from engine.ports import SystemClock
    from engine.usecases.lock import AppLock

    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli import swarm

        swarm.destroy(session, yes, lock_timeout)

        return
    observed = session.gateway.observe(session.app)
    plan = make_destroy_plan(session.app, session.env, observed, volumes=volumes)
    click.echo(render_text(plan, color=color_out()), nl=False)
    if not plan.has_changes:
        click.echo("Nothing to destroy.")
        return
    if not volumes and observed.volumes:
        names = ", ".join(v.name for v in observed.volumes)
        click.echo(f"Named volumes are kept: {names} (pass --volumes to delete them and their data).")
    if not yes:
        confirm("Destroy these objects?")
    with AppLock(session.gateway, session.app, session.env, wait_seconds=lock_timeout):
        ctx = StepContext(session.gateway, SystemClock(), {})
        report = Executor(ctx, ProgressPrinter(color_out()), rollback=False).execute(plan)
    if not report.ok:
        raise ApplyError(f"destroy stopped: {report.error}")
    click.echo(f"Destroyed {session.app} in {report.seconds:.1f}s.")


command = destroy
