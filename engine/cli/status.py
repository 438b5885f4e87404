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
    """Services, containers, health, published ports and drift from the spec (secret values are not read)."""
    from engine.events import RecordingListener
    from engine.usecases.status import status as read_status

    session = open_session(spec_file, env, state_dir)
    if session.swarm:
        from engine.cli.swarm import status as swarm_status

        swarm_status(session, fmt)

        return
    report = read_status(session.valid, session.collaborators(RecordingListener()), session.options)
    rows = [_row(c) for c in report.containers]
    drift, last, pending, lock = list(report.drift), report.deployed, list(report.interrupted), report.lock
    now = time.time()
    if fmt == "json":
        doc = {"app": session.app, "env": session.env, "containers": rows, "in_sync": not drift, "drift": drift,
               "deployed_revision": last.revision if last else None, "interrupted_revisions": pending,
               "running_revisions": list(report.running), "lock": lock.lock_id if lock else None,
               "lock_holder": None if lock is None else {
                   "user": lock.user, "host": lock.host, "pid": lock.pid, "command": lock.command,
                   "since": lock.started, "running": lock.running(now)}}
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
    if lock is not None and lock.running(now):
        what = f"revision {', '.join(map(str, report.running))}" if report.running else "an operation"
        click.echo(f"Running: {what}, {lock.describe(now)}")
    elif lock is not None:
        click.echo(f"Locked: {lock.describe(now)}")
    if pending:
        click.echo(f"Interrupted releases: {', '.join(map(str, pending))} (the next apply closes them and converges)")
    if drift:
        click.echo(f"Drift: {len(drift)} difference{'s' if len(drift) != 1 else ''} from the spec "
                   "(`shipspec plan` shows the steps):")
        for line in drift:
            click.echo(f"  {line}")
    else:
        click.echo("In sync with the spec" + (" (secret values not read: `shipspec plan` shows a changed secret)."
                                              if report.secrets_unread else "."))


command = status
