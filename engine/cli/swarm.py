"""The engine-facing commands for an environment whose target is a Swarm: parse nothing, format the outcomes.

Each command (``plan``, ``apply``, ``status``, ``logs``, ``destroy``, ``rollback``) hands over here right after it
opened its session when ``target.type`` is ``swarm``; the use cases live in ``engine.swarm.usecase``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine.adapters.clock import SystemClock
from engine.cli.session import Session
from engine.errors import ApplyError, UsageError
from engine.history.model import ReleaseStatus
from engine.swarm.gateway import SwarmGateway
from engine.swarm.moves import moved_tasks
from engine.swarm.plan import render_plan
from engine.swarm.state import SwarmObserved
from engine.swarm.usecase import (
    SwarmPrepared,
    check_fresh,
    destroy_swarm,
    docker_host,
    plan_json,
    prepare_swarm,
    run_swarm_release,
    snapshot_spec,
)

SAVED_KIND = "shipspec-swarm-plan"


def gateway_for(session: Session) -> SwarmGateway:
    return SwarmGateway(docker_host(session.valid, session.options.environ))


def _prepare(session: Session, gateway: SwarmGateway) -> SwarmPrepared:
    revision = session.next_revision()
    return prepare_swarm(session.valid, gateway, session.options.environ, revision)


def plan(session: Session, out: str | None, fmt: str, detailed_exitcode: bool) -> None:
    prepared = _prepare(session, gateway_for(session))
    if fmt == "json":
        click.echo(plan_json(prepared.plan))
    else:
        click.echo(render_plan(prepared.plan, len(prepared.observed.services), len(prepared.observed.nodes)), nl=False)
        _echo_moves(prepared.observed)
    if out is not None:
        doc = {"kind": SAVED_KIND, "spec_file": str(session.options.spec_file.resolve()), "env": session.valid.env,
               "fingerprint": prepared.plan.fingerprint}
        Path(out).write_text(json.dumps(doc, sort_keys=True) + "\n", encoding="utf-8")
        if fmt == "text":
            click.echo(f"Saved to {out}; apply it with `shipspec apply {out}`.")
    if detailed_exitcode and prepared.plan.has_changes:
        raise SystemExit(2)


def read_saved(path: Path) -> dict[str, Any] | None:
    """A saved Swarm plan, or None when the file is a single-engine plan."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") == SAVED_KIND else None


def apply(session: Session, saved: dict[str, Any] | None, yes: bool, lock_timeout: float, *,
          kind: str = "apply", rollback_of: int | None = None, spec_text: str | None = None) -> None:
    from engine.cli.confirm import confirm, report_recovery
    from engine.usecases.lock import AppLock
    from engine.usecases.release import close_interrupted

    gateway = gateway_for(session)
    prepared = _prepare(session, gateway)
    if saved is not None:
        check_fresh(saved["fingerprint"], prepared)  # a saved plan is for the cluster exactly as it was planned
    else:
        click.echo(render_plan(prepared.plan, len(prepared.observed.services), len(prepared.observed.nodes)), nl=False)
    if not prepared.plan.has_changes:
        return
    if saved is None and not yes:
        confirm("Apply these changes?")
    with AppLock(session.gateway, session.app, session.env, wait_seconds=lock_timeout, clock=SystemClock()) as lock:
        report_recovery(lock, close_interrupted(session.history, session.app, session.env))
        fresh = _prepare(session, gateway)
        check_fresh(saved["fingerprint"] if saved else prepared.plan.fingerprint, fresh)
        text = spec_text if spec_text is not None else session.valid.path.read_text(encoding="utf-8")
        click.echo(f"Applying revision {fresh.plan.revision} of {session.app} to the swarm "
                   f"{fresh.observed.cluster_id[:12]}:")
        revision, status, outcome = run_swarm_release(
            fresh, gateway, session.history, text, click.echo, session.options.environ, kind=kind,
            rollback_of=rollback_of,
        )
    if outcome.ok:
        click.echo(f"Apply complete: revision {revision} deployed ({len(outcome.changed)} service(s) changed).")
        return
    message = f"revision {revision} {status.value.replace('_', ' ')}: {outcome.error}"
    if outcome.rolled_back and not outcome.rollback_problems:
        message += f"; every service this apply changed is back ({', '.join(outcome.changed)})"
    if outcome.rollback_problems:
        message += "; rollback left: " + "; ".join(outcome.rollback_problems)
    raise ApplyError(message)


def status(session: Session, fmt: str) -> None:
    gateway = gateway_for(session)
    observed = gateway.observe(session.app)
    nodes = {n.id: n for n in observed.nodes}
    ids = {s.id: name for name, s in observed.services.items()}
    rows = []
    for t in sorted(observed.tasks, key=lambda t: (ids.get(t.service_id, ""), t.slot or 0, t.state)):
        if t.desired_state != "running" and t.state not in ("failed", "rejected"):
            continue
        node = nodes.get(t.node_id)
        rows.append({"service": ids.get(t.service_id, "?"), "slot": t.slot, "node": node.hostname if node else "?",
                     "node_state": node.state if node else "?", "state": t.state, "error": t.error})
    services = {name: {"version": s.version, "replicas": s.replicas, "update": s.update_state or "-"}
                for name, s in sorted(observed.services.items())}
    down = [n.hostname for n in observed.nodes if n.state != "ready"]
    moves = moved_tasks(observed)
    if fmt == "json":
        click.echo(json.dumps({"cluster": observed.cluster_id, "services": services, "tasks": rows,
                               "nodes_down": down, "moved": [m.describe() for m in moves]}, sort_keys=True))
        return
    click.echo(f"Swarm {observed.cluster_id[:12]}: {len(observed.nodes)} node(s)"
               + (f", down: {', '.join(down)}" if down else ""))
    for name, s in services.items():
        click.echo(f"  {name}  replicas {s['replicas']}  update {s['update']}")
    for r in rows:
        extra = f"  ({r['error']})" if r["error"] else ""
        click.echo(f"    {r['service']}.{r['slot'] or '-'}  {r['state']:<9} on {r['node']} ({r['node_state']}){extra}")
    _echo_moves(observed)


def _echo_moves(observed: SwarmObserved) -> None:
    """The tasks Swarm moved off a node that went down or was drained (or where they failed), one line each."""
    for move in moved_tasks(observed):
        click.echo(f"Moved: {move.describe()}")


def logs(session: Session, service: str, tail: int) -> None:
    gateway = gateway_for(session)
    observed = gateway.observe(session.app)
    if service not in observed.services:
        raise UsageError(f"service {service!r} has no Swarm service (apply first)")
    for line in gateway.logs(observed.services[service].id, tail=tail):
        click.echo(line)


def destroy(session: Session, yes: bool, lock_timeout: float) -> None:
    from engine.cli.confirm import confirm
    from engine.usecases.lock import AppLock

    gateway = gateway_for(session)
    if not yes:
        confirm("Destroy the app's services, secrets, configs and network on the swarm?",
                hint="pass --yes to go ahead without asking")
    with AppLock(session.gateway, session.app, session.env, wait_seconds=lock_timeout, clock=SystemClock()):
        count = destroy_swarm(gateway, session.app, click.echo)
    click.echo(f"Destroyed {count} service(s) of {session.app}; named volumes stay on their nodes.")


def rollback(session: Session, to: int | None, yes: bool, lock_timeout: float) -> None:
    from engine.usecases.pinning import choose_target

    target = choose_target(session.history, session.app, session.env, to)
    if target.status is ReleaseStatus.PENDING:
        raise UsageError(f"revision {target.revision} never finished")
    click.echo(f"Rolling back {session.app} to revision {target.revision} ({target.status.value}).")
    valid = snapshot_spec(target.spec_snapshot, session.valid.path, session.valid.env, target.revision)
    restored = Session(session.options, valid, session.gateway, session.history_path, session.history)
    apply(restored, None, yes, lock_timeout, kind="rollback", rollback_of=target.revision,
          spec_text=target.spec_snapshot)
