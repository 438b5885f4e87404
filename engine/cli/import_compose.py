"""``shipspec import``: Compose files in, one commented app.yaml and a report of every Compose key out.

Exit codes: 0 the spec was written and validates; 1 invalid Compose (nothing written) or a written spec that does
not validate yet (its problems are listed: usually a build context or secret file the Compose file names but the
tree lacks); 2 usage (an existing output without --force); 3 Docker Compose v2 missing.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine.errors import EXIT_ENGINE, EXIT_FAILED, UsageError

_DEFAULTS = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def _default_file() -> str:
    for name in _DEFAULTS:
        if Path(name).is_file():
            return name
    raise UsageError("no compose.yaml here; pass the Compose files with -f FILE")


@click.command(name="import")
@click.option("-f", "--file", "files", multiple=True, type=click.Path(dir_okay=False),
              help="Compose file; repeat to merge overrides as Compose does [default: compose.yaml].")
@click.option("-o", "--out", "out", default="app.yaml", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the spec; `-` prints it.")
@click.option("--profile", "profiles", multiple=True, help="Compose profile to activate (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")
def import_command(files: tuple[str, ...], out: str, profiles: tuple[str, ...], force: bool, fmt: str) -> None:
    """Translate Compose files into an app spec, reporting every Compose key: translated as what, or dropped
    and why."""
    from engine.compose_import.importer import import_compose
    from engine.compose_import.report import format_json, format_text
    from engine.compose_import.tool import ComposeToolError, find_compose

    chosen = list(files) or [_default_file()]
    target = Path("app.yaml") if out == "-" else Path(out)
    if out != "-" and target.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to overwrite it, or -o another file")
    try:
        command = find_compose()
    except ComposeToolError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_ENGINE) from None
    result = import_compose(command, [Path(f) for f in chosen], target, names=chosen, profiles=profiles)
    if out == "-":
        click.echo(result.text, nl=False)
    else:
        target.write_text(result.text, encoding="utf-8")
    shown = "stdout" if out == "-" else out
    report = format_json(result.report, shown) if fmt == "json" else format_text(result.report, shown)
    click.echo(report, err=out == "-")
    for problem in result.problems:
        click.echo(problem.render(), err=True)
    if result.problems:
        click.echo(f"{shown} does not validate yet ({len(result.problems)} problem(s) above).", err=True)
        raise SystemExit(EXIT_FAILED)


command = import_command
