"""``shipspec history``: every release with its status and duration; ``--stats`` for deployment metrics."""

from __future__ import annotations

import datetime as dt
import json

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, STATE_DIR_OPTION, format_option
from engine.cli.session import open_session
from engine.history.model import ReleaseRecord, Stats


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _row(r: ReleaseRecord) -> dict[str, object]:
    return {
        "revision": r.revision, "status": r.status.value, "kind": r.kind, "started": _when(r.started_at),
        "duration_s": None if r.duration is None else round(r.duration, 2), "operator": r.operator,
        "rollback_of": r.rollback_of, "error": r.error,
    }


def _stats_doc(s: Stats) -> dict[str, object]:
    return {
        "releases": s.releases, "deployed": s.deployed, "failed": s.failed, "rolled_back": s.rolled_back,
        "rollbacks_requested": s.rollbacks_requested, "success_rate": round(s.success_rate, 4),
        "rollback_rate": round(s.rollback_rate, 4), "mean_duration_s": s.mean_duration,
        "p95_duration_s": s.p95_duration, "slowest_steps": [{"kind": k, "mean_s": v} for k, v in s.slowest_steps],
    }


def _tags_text(removed: list[str]) -> str:
    return f"; removed {len(removed)} release image tag{'s' if len(removed) != 1 else ''}" if removed else ""


@click.command()
@FILE_OPTION
@ENV_OPTION
@STATE_DIR_OPTION
@format_option("text", "json")
@click.option("--stats", is_flag=True, help="Deployment metrics: durations, success and rollback rates.")
@click.option("--last", type=click.IntRange(1), default=None, help="Only the newest N releases.")
@click.option("--prune", "keep", type=click.IntRange(1), default=None,
              help="Delete all but the newest N releases (never the deployed one) and their release image tags.")
def history(spec_file: str, env: str | None, state_dir: str | None, fmt: str, stats: bool, last: int | None,
            keep: int | None) -> None:
    """List the app's releases, newest first."""
    from engine.usecases.history import history as read_history
    from engine.usecases.history import prune

    session = open_session(spec_file, env, state_dir)
    store, app, scope = session.history, session.app, session.env
    if keep is not None:
        pruned = prune(store, session.gateway, app, scope, keep, session.valid.spec.services)
        removed, tags = pruned.revisions, pruned.tags
        click.echo(f"Pruned {len(removed)} release{'s' if len(removed) != 1 else ''}"
                   f"{': ' + ', '.join(map(str, removed)) if removed else ''}"
                   f"{_tags_text(tags.removed)}.")
        for kept in tags.kept:
            click.echo(f"Kept release image tag {kept}.")
        return
    report = read_history(store, app, scope, last=last, stats=stats)
    if report.stats is not None:
        doc = _stats_doc(report.stats)
        if fmt == "json":
            click.echo(json.dumps(doc, indent=2))
            return
        for key, value in doc.items():
            if key != "slowest_steps":
                if value is None:
                    shown = "-"
                elif key.endswith("_rate"):
                    shown = f"{value:.1%}"
                elif key.endswith("_s"):
                    shown = f"{value:.2f}s"
                else:
                    shown = str(value)
                label = key.removesuffix("_s")  # the unit is on the value: "mean duration: 11.13s"
                click.echo(f"{label.replace('_', ' '):>20}: {shown}")
        for step in report.stats.slowest_steps:
            click.echo(f"{'slow step':>20}: {step[0]} {step[1]:.2f}s on average")
        return
    rows = [_row(r) for r in report.releases]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"No releases of {app} recorded yet.")
        return
    click.echo(f"{'REV':>4}  {'STATUS':<11}  {'KIND':<8}  {'STARTED':<20}  {'DURATION':>8}  NOTE")
    for r in rows:
        duration = "-" if r["duration_s"] is None else f"{r['duration_s']}s"
        note = f"restores r{r['rollback_of']}" if r["rollback_of"] else str(r["error"])[:70]
        click.echo(f"{r['revision']:>4}  {r['status']:<11}  {r['kind']:<8}  {r['started']:<20}  {duration:>8}  {note}")


command = history
