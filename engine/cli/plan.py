"""``shipspec plan``: what apply would do, every step with its cause; optionally saved for ``apply PLAN``."""

from __future__ import annotations

import time
from pathlib import Path

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION, format_option
from engine.cli.session import color_out, open_session
from engine.noop.fast import observed_line


def _bytes(spec_file: str) -> bytes:
    try:
        return Path(spec_file).read_bytes()
    except OSError:
        return b""   # loading the spec reports it


@click.command()
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Save the plan for `apply PLAN`.")
@format_option("text", "json", "markdown")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 with no changes, 2 with changes, 1 on error.")
def plan(spec_file: str, env: str | None, state_dir: str | None, out: str | None, fmt: str,
         detailed_exitcode: bool) -> None:
    """Observe the engine and show the steps that would converge it to the spec."""
    from engine.noop.record import fingerprint_before, record
    from engine.plan.render_text import render_json, render_markdown, render_text
    from engine.spec.security import describe_app
    from engine.usecases.lock import lock_name, read_lock
    from engine.usecases.prepare import prepare
    from engine.usecases.prepare import state_dir as session_state_dir
    from engine.usecases.savedplan import write_saved_plan

    raw = _bytes(spec_file)
    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli.swarm import plan as swarm_plan

        swarm_plan(session, out, fmt, detailed_exitcode)
        return
    before = (raw, fingerprint_before(session.app)) if fmt == "text" and out is None else None
    revision = session.next_revision()
    holder = read_lock(session.gateway, lock_name(session.app, session.env))
    running = holder is not None and holder.running(time.time())
    prepared = prepare(session.valid, session.gateway, session.options, revision, apply_running=running,
                       settled=not running and session.settled())
    result = prepared.plan
    if before is not None and not result.has_changes:
        record(before, session.valid, prepared.desired, session_state_dir(session.valid, session.options), env,
               render_text(result))
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(result), nl=False)
    else:
        obs = prepared.observed
        click.echo(observed_line(session.app, len(obs.containers), len(obs.networks), len(obs.volumes),
                                 prepared.observe_seconds))
        for line in describe_app(session.valid.spec):
            click.echo(f"Security: {line}")
        if running and holder is not None:
            click.echo(f"Another operation is running, {holder.describe(time.time())}: this plan sees the engine "
                       "mid-change and is stale once it finishes.")
        click.echo()
        click.echo(render_text(result, color=color_out()), nl=False)
    if out is not None:
        write_saved_plan(Path(out), result, Path(spec_file), env)
        if fmt == "text":
            click.echo(f"Saved to {out}; apply it with `shipspec apply {out}`.")
    if detailed_exitcode and result.has_changes:
        raise SystemExit(2)


command = plan
