"""``shipspec plan``: what apply would do, every step with its cause; optionally saved for ``apply PLAN``."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION, format_option
from engine.cli.session import color_out, open_session


def observed_line(app: str, containers: int, networks: int, volumes: int, seconds: float) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'s' if count != 1 else ''}"

    parts = ", ".join((n(containers, "container"), n(networks, "network"), n(volumes, "volume")))
    return f'Observed {parts} of "{app}" in {seconds * 1000:.0f} ms.'


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
    from engine.plan.render_text import render_json, render_markdown, render_text
    from engine.usecases.prepare import prepare
    from engine.usecases.savedplan import write_saved_plan

    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli.swarm import plan as swarm_plan

        swarm_plan(session, out, fmt, detailed_exitcode)

        return
    revision = session.next_revision()
    prepared = prepare(session.valid, session.gateway, session.options, revision)
    result = prepared.plan
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(result), nl=False)
    else:
        obs = prepared.observed
        click.echo(observed_line(session.app, len(obs.containers), len(obs.networks), len(obs.volumes),
                                 prepared.observe_seconds))
        click.echo()
        click.echo(render_text(result, color=color_out()), nl=False)
    if out is not None:
        write_saved_plan(Path(out), result, Path(spec_file), env)
        if fmt == "text":
            click.echo(f"Saved to {out}; apply it with `shipspec apply {out}`.")
    if detailed_exitcode and result.has_changes:
        raise SystemExit(2)


command = plan
