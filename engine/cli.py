"""The ``shipspec`` command: parse arguments, call a use case, format its result. No logic lives here.

Exit codes: 0 success, 1 invalid spec or failed operation, 2 usage error, 3 Docker engine unreachable,
70 internal error (a bug: one line on stderr, never a traceback; set SHIPSPEC_DEBUG=1 to see it).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

import click

from engine.errors import EXIT_INTERNAL, EXIT_USAGE, ShipspecError, SpecError

FILE_OPTION = click.option("-f", "--file", "spec_file", default="app.yaml", show_default=True,
                           help="The app spec.", type=click.Path(dir_okay=False))
ENV_OPTION = click.option("-e", "--env", default=None, help="Environment overlay to apply (staging, prod…).")


def _format_option(*choices: str) -> Any:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help="Output format.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shipspec", prog_name="shipspec")
def cli() -> None:
    """Validate, render, plan and apply an app spec."""


@cli.command()
@FILE_OPTION
@ENV_OPTION
@_format_option("text", "json")
def validate(spec_file: str, env: str | None, fmt: str) -> None:
    """Check a spec against the schema and the semantic rules; report every problem at once."""
    from engine.spec.validate import load_and_validate, validate_all

    try:
        results = [load_and_validate(spec_file, env)] if env else validate_all(spec_file)
    except SpecError as exc:
        if fmt == "json":
            click.echo(json.dumps({"valid": False, "errors": [d.as_dict() for d in exc.diagnostics]}, indent=2))
            raise SystemExit(exc.exit_code) from None
        raise
    envs = [r.env for r in results if r.env]
    if fmt == "json":
        click.echo(json.dumps({"valid": True, "file": spec_file, "environments": envs, "errors": []}, indent=2))
        return
    spec = results[0].spec
    scope = f"environment {env!r}" if env else ("base and " + ", ".join(envs) if envs else "base")
    count = len(spec.services)
    click.echo(f"{spec_file}: valid ({spec.name}, {count} service{'s' if count != 1 else ''}; {scope})")


def _report(exc: ShipspecError) -> None:
    if isinstance(exc, SpecError):
        for diagnostic in exc.diagnostics:
            click.echo(diagnostic.render(), err=True)
        click.echo(f"{exc}.", err=True)
    else:
        click.echo(f"error: {exc}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    try:
        cli.main(args=argv, prog_name="shipspec", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except ShipspecError as exc:
        _report(exc)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        if os.environ.get("SHIPSPEC_DEBUG"):
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (a bug in shipspec; rerun with "
                   "SHIPSPEC_DEBUG=1 for details and report it)", err=True)
        return EXIT_INTERNAL
    return 0


def run() -> None:
    sys.exit(main())
