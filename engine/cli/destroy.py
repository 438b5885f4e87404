"""``shipspec destroy``: remove the app's containers and network; named volumes only with ``--volumes``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from engine.cli.confirm import confirm
from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.progress import ProgressPrinter
from engine.cli.session import color_out, open_session
from engine.errors import ApplyError

if TYPE_CHECKING:
    from engine.usecases.pinning import TagCleanup


@click.command()
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--volumes", is_flag=True, help="Also delete named volumes and their data.")
@click.option("--release-tags", is_flag=True,
              help="Also remove the release image tags of releases still in the history (rollback then cannot "
                   "restore them); without it only the tags of pruned releases go.")
@click.option("--yes", "-y", is_flag=True, help="Destroy without asking.")
@click.option("--lock-timeout", type=float, default=0.0, show_default=True)
def destroy(spec_file: str, env: str | None, state_dir: str | None, volumes: bool, release_tags: bool, yes: bool,
            lock_timeout: float) -> None:
    """Stop and remove every container and the network of the app."""
    from engine.plan.render_text import render_text
    from engine.usecases.collaborators import ApplySettings
    from engine.usecases.destroy import destroy as run_destroy
    from engine.usecases.destroy import plan_destroy

    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli.swarm import destroy as swarm_destroy

        swarm_destroy(session, yes, lock_timeout)

        return
    c = session.collaborators(ProgressPrinter(color_out()))
    planned = plan_destroy(c, session.app, session.env, volumes=volumes, release_tags=release_tags)
    click.echo(render_text(planned.plan, color=color_out()), nl=False)
    if not planned.plan.has_changes:
        click.echo("Nothing to destroy.")
        if release_tags:
            from engine.usecases.destroy import drop_release_tags

            _say_tags(drop_release_tags(session.valid, c, session.app, session.env,
                                        ApplySettings(lock_timeout_s=lock_timeout)), "Removed")
        return
    if planned.kept_volumes:
        click.echo(f"Named volumes are kept: {', '.join(planned.kept_volumes)} (pass --volumes to delete them and "
                   "their data).")
    if not yes:
        confirm("Destroy these objects?", hint="pass --yes to go ahead without asking")
    outcome = run_destroy(session.valid, planned, c, ApplySettings(lock_timeout_s=lock_timeout))
    release = outcome.release
    if not release.report.ok:
        raise ApplyError(f"destroy stopped: {release.report.error}")
    click.echo(f"Destroyed {session.app} in {release.report.seconds:.1f}s (revision {release.revision}).")
    _say_tags(outcome.tags, "Removed")


def _say_tags(tags: TagCleanup, verb: str) -> None:
    if tags.removed:
        click.echo(f"{verb} {len(tags.removed)} release image tag{'s' if len(tags.removed) != 1 else ''}.")
    for kept in tags.kept:
        click.echo(f"Kept release image tag {kept}.")


command = destroy
