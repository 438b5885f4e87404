"""``shipspec logs SERVICE``: the lines of every replica of a service, each prefixed by its container."""

from __future__ import annotations

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION
from engine.cli.session import open_session
from engine.errors import UsageError


@click.command()
@click.argument("service")
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@click.option("--follow", "-F", is_flag=True, help="Keep streaming new lines.")
@click.option("--tail", type=click.IntRange(0), default=100, show_default=True, help="Lines per replica.")
def logs(service: str, spec_file: str, env: str | None, state_dir: str | None, follow: bool, tail: int) -> None:
    """Show (or follow) the logs of all replicas of SERVICE."""
    session = open_session(spec_file, env, state_dir)
    if service not in session.valid.spec.services:
        known = ", ".join(sorted(session.valid.spec.services))
        raise UsageError(f"no service {service!r} in {session.app}; services: {known}")
    if session.swarm:
        from engine.cli.swarm import logs as swarm_logs

        swarm_logs(session, service, tail)

        return
    observed = session.gateway.observe(session.app)
    containers = sorted((c for c in observed.containers if c.service == service), key=lambda c: c.slot)
    if not containers:
        raise UsageError(f"service {service!r} has no containers (apply first)")
    width = max(len(c.name) for c in containers)
    for name, line in session.gateway.logs([c.id for c in containers], tail=tail, follow=follow):
        click.echo(f"{name.ljust(width)} | {line}")


command = logs
