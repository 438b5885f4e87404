"""``shipspec apply``: plan (or load a saved plan), confirm, lock, re-check the engine, execute, record."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.progress import ProgressPrinter
from engine.cli.session import color_out, open_session
from engine.errors import ApplyError, UsageError
from engine.usecases.deploy import DeployOutcome
from engine.usecases.lock import AppLock


@click.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option("--lock-timeout", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another operator's lock before failing.")
@click.option("--parallel", type=click.IntRange(1, 64), default=16, show_default=True,
              help="Steps that may run at once.")
@click.option("--no-rollback", is_flag=True, help="On failure, stop and leave everything as it is.")
def apply(plan_file: str | None, spec_file: str, env: str | None, state_dir: str | None, yes: bool,
          lock_timeout: float, parallel: int, no_rollback: bool) -> None:
    """Converge the engine to the spec (or to a saved plan), then record the release."""
    from engine.cli import swarm
    from engine.plan.render_text import render_text
    from engine.ports import SystemClock
    from engine.usecases.deploy import deploy
    from engine.usecases.prepare import prepare
    from engine.usecases.release import check_fresh, close_interrupted
    from engine.usecases.savedplan import read_saved_plan

    swarm_saved = swarm.read_saved(Path(plan_file)) if plan_file else None
    if swarm_saved is not None:
        session = open_session(swarm_saved["spec_file"], swarm_saved["env"], state_dir)
        swarm.apply(session, swarm_saved, yes, lock_timeout)
        return
    saved = read_saved_plan(Path(plan_file)) if plan_file else None
    session = open_session(saved.spec_file if saved else spec_file, saved.env if saved else env, state_dir)
    if session.swarm:
        swarm.apply(session, None, yes, lock_timeout)
        return
    revision = session.history.next_revision(session.app, session.env)
    prepared = prepare(session.valid, session.gateway, session.options, revision)
    plan = saved.plan if saved else prepared.plan
    if saved is None:
        click.echo(render_text(plan, color=color_out()), nl=False)
    leftovers = session.history.pending(session.app, session.env)
    if not plan.has_changes and not leftovers:
        if saved is not None:
            click.echo("The saved plan has no changes.")
        return
    if saved is None and not yes:
        confirm("Apply these changes?")
    with AppLock(session.gateway, session.app, session.env, wait_seconds=lock_timeout) as lock:
        report_recovery(lock, close_interrupted(session.history, session.app, session.env))
        refs = sorted({s.image_ref for s in prepared.desired.services.values()})
        check_fresh(plan, session.gateway, prepared.desired.spec_hash, refs)
        if not plan.has_changes:
            return
        click.echo(f"Applying revision {max(plan.revision, revision)} of {session.app}"
                   f"{' (' + session.env + ')' if session.env else ''}:")
        outcome = deploy(
            session.valid, plan, dict(prepared.dockerfiles), session.gateway, session.history, _printer(),
            SystemClock(), options=session.options, parallelism=parallel, rollback=not no_rollback,
        )
    finish(outcome)


def report_recovery(lock: AppLock, closed: list[int]) -> None:
    """Say what an earlier, killed shipspec left behind and what was done about it."""
    if lock.recovered is not None:
        dead = lock.recovered
        click.echo(f"Recovered lock {dead.lock_id}: its holder (pid {dead.pid} on this host) no longer runs.")
    for revision in closed:
        click.echo(f"Closed revision {revision} as failed: it was interrupted; this apply converges from what runs.")


def _printer() -> ProgressPrinter:
    return ProgressPrinter(color_out())


def confirm(question: str) -> None:
    """Ask on a terminal; refuse without one (a pipeline must say --yes, or apply a reviewed saved plan)."""
    if not sys.stdin.isatty():
        raise UsageError("refusing to change the engine without confirmation: not on a terminal; pass --yes, or "
                         "apply a saved plan (`shipspec plan --out plan.json`, review, `shipspec apply plan.json`)")
    if not click.confirm(question, default=False):
        raise ApplyError("nothing changed: you declined")


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
    elif report.rolled_back and report.rollback_ok:
        message += "; its changes were undone"
    if report.rollback_problems:
        message += "; rollback left: " + "; ".join(report.rollback_problems)
    raise ApplyError(message)


command = apply
