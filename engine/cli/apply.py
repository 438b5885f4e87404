"""``shipspec apply``: plan (or load a saved plan), confirm, then run the apply use case and say how it ended."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cli.confirm import confirm
from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.progress import ProgressPrinter
from engine.cli.session import color_out, open_session
from engine.errors import ApplyError
from engine.execute import DEFAULT_PARALLELISM
from engine.usecases.deploy import DeployOutcome

if TYPE_CHECKING:
    from engine.plan.plan import Plan


@click.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option("--lock-timeout", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another operator's lock before failing.")
@click.option("--parallel", type=click.IntRange(1, 64), default=DEFAULT_PARALLELISM, show_default=True,
              help="Steps that may run at once.")
@click.option("--no-rollback", is_flag=True, help="On failure, stop and leave everything as it is.")
def apply(plan_file: str | None, spec_file: str, env: str | None, state_dir: str | None, yes: bool,
          lock_timeout: float, parallel: int, no_rollback: bool) -> None:
    """Converge the engine to the spec (or to a saved plan), then record the release."""
    from engine.cli.swarm import apply as swarm_apply
    from engine.cli.swarm import read_saved as swarm_read_saved
    from engine.plan.render_text import render_text
    from engine.usecases.apply import apply as run_apply
    from engine.usecases.apply import needs_apply
    from engine.usecases.collaborators import ApplySettings
    from engine.usecases.prepare import prepare
    from engine.usecases.savedplan import read_saved_plan

    swarm_saved = swarm_read_saved(Path(plan_file)) if plan_file else None
    if swarm_saved is not None:
        session = open_session(swarm_saved["spec_file"], swarm_saved["env"], state_dir)
        swarm_apply(session, swarm_saved, yes, lock_timeout)
        return
    saved = read_saved_plan(Path(plan_file)) if plan_file else None
    session = open_session(saved.spec_file if saved else spec_file, saved.env if saved else env, state_dir)
    if session.swarm:
        swarm_apply(session, None, yes, lock_timeout)
        return
    revision = session.history.next_revision(session.app, session.env)
    prepared = prepare(session.valid, session.gateway, session.options, revision)
    plan = saved.plan if saved else prepared.plan
    if saved is None:
        click.echo(render_text(plan, color=color_out()), nl=False)
    if not needs_apply(plan, session.history):
        if saved is not None:
            click.echo("The saved plan has no changes.")
        return
    if saved is None and not yes:
        confirm("Apply these changes?")
    settings = ApplySettings(parallelism=parallel, rollback=not no_rollback, lock_timeout_s=lock_timeout)

    def replanned(fresh: Plan) -> None:
        """The plan was made again under the lock: show it, and ask again unless it is the one confirmed."""
        click.echo(render_text(fresh, color=color_out()), nl=False)
        if fresh.has_changes and fresh.changes != plan.changes and not yes:
            confirm("The plan changed while this apply waited for the lock. Apply the new plan?")

    outcome = run_apply(prepared, session.collaborators(_printer()), session.options, settings,
                        saved=saved.plan if saved else None, on_replan=replanned)
    if outcome.deployed is not None:
        finish(outcome.deployed)


def _printer() -> ProgressPrinter:
    return ProgressPrinter(color_out())


def finish(outcome: DeployOutcome) -> None:
    """One closing line: deployed, or what failed and what state the rollback left."""
    release = outcome.release
    report = release.report
    if outcome.ok:
        click.echo(f"Apply complete: revision {release.revision} deployed in {report.seconds:.1f}s.")
        return
    state = release.status.value.replace("_", " ")
    message = f"revision {release.revision} {state} after {report.seconds:.1f}s: {report.error}"
    if outcome.restored is not None:
        restored = outcome.restored
        message += (f"; revision {restored.revision} re-applied the previous release: "
                    f"{restored.status.value.replace('_', ' ')}")
    elif report.rolled_back and report.rollback_ok and not report.unrestored:
        message += "; its changes were undone"
    elif report.rolled_back and report.rollback_ok:
        from engine.cli.progress import unrestored_text

        message += f"; its other changes were undone, not restored: {unrestored_text(report.unrestored)}"
    if report.rollback_problems:
        message += "; rollback left: " + "; ".join(report.rollback_problems)
    raise ApplyError(message)


command = apply
