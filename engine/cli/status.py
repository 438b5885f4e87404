"""``shipspec status``: what runs now, how healthy it is, and whether the engine drifted from the spec."""

from __future__ import annotations

import json
import time

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION, format_option
from engine.cli.session import open_session
from engine.desire.types import PortBinding
from engine.observe.types import ObservedContainer


def _ports(ports: tuple[PortBinding, ...]) -> str:
    shown = [f"{p.host_ip}:{p.host}→{p.container}/{p.protocol}" for p in ports if p.host]
    return ", ".join(shown) or "-"


def _row(c: ObservedContainer) -> dict[str, object]:
    return {"service": c.service, "container": c.name, "state": c.state.value, "health": c.health.value,
            "revision": c.revision, "image": c.image_id[:19], "ports": _ports(c.ports)}


@click.command()
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@format_option("text", "json")
def status(spec_file: str, env: str | None, state_dir: str | None, fmt: str) -> None:
    """Services, containers, health, published ports and drift from the spec."""
    from engine.usecases.lock import lock_name, read_lock
    from engine.usecases.prepare import prepare

    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli import swarm

        swarm.status(session, fmt)

        return
    revision = session.history.next_revision(session.app, session.env)
    prepared = prepare(session.valid, session.gateway, session.options, revision)
    rows = [_row(c) for c in prepared.observed.containers]
    drift = [
        f"{c.action.symbol} {c.kind} {c.name}: {c.headline}" + "".join(f"; {cause}" for cause in c.causes)
        for c in prepared.plan.changes
    ]
    last = session.history.last_deployed(session.app, session.env)
    pending = [r.revision for r in session.history.pending(session.app, session.env)]
    lock = read_lock(session.gateway, lock_name(session.app, session.env))
    if fmt == "json":
        doc = {"app": session.app, "env": session.env, "containers": rows, "in_sync": not drift, "drift": drift,
               "deployed_revision": last.revision if last else None, "interrupted_revisions": pending,
               "lock": lock.lock_id if lock else None}
        click.echo(json.dumps(doc, indent=2))
        return
    where = f"{session.app} ({session.env})" if session.env else session.app
    deployed = f"revision {last.revision}" if last else "no release recorded"
    click.echo(f"{where}: {deployed}")
    if rows:
        widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in rows[0]}
        click.echo("  " + "  ".join(k.upper().ljust(widths[k]) for k in widths))
        for r in rows:
            click.echo("  " + "  ".join(str(r[k]).ljust(widths[k]) for k in widths))
    else:
        click.echo("  no containers")
    if pending:
        click.echo(f"Interrupted releases: {', '.join(map(str, pending))} (the next apply closes them and converges)")
    if lock is not None:
        click.echo(f"Locked: {lock.describe(time.time())}")
    if drift:
        click.echo(f"Drift: {len(drift)} difference{'s' if len(drift) != 1 else ''} from the spec "
                   "(`shipspec plan` shows the steps):")
        for line in drift:
            click.echo(f"  {line}")
    else:
        click.echo("In sync with the spec.")


command = status
