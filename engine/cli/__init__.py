"""The ``shipspec`` command: parse arguments, call a use case, format its result. No logic lives here.

One module per command (``engine.cli.apply`` …), each exposing ``command`` (a click command): formatting only.

Exit codes: 0 success, 1 invalid spec or failed operation, 2 usage error, 3 Docker engine unreachable,
70 internal error (a bug: one line on stderr, never a traceback; set SHIPSPEC_DEBUG=1 to see it).
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from engine.errors import EXIT_INTERNAL, EXIT_USAGE, ShipspecError, SpecError
from engine.timeline import mark


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shipspec", prog_name="shipspec")
def cli() -> None:
    """Validate, render, plan and apply an app spec."""


def _register() -> None:
    """Each command lives in its own module in this package; adding one is one line here."""
    from engine.cli import (
        apply,
        destroy,
        history,
        import_compose,
        logs,
        plan,
        render,
        rollback,
        status,
        unlock,
        validate,
    )

    for module in (validate, render, plan, apply, status, logs, destroy, history, rollback, unlock, import_compose):
        cli.add_command(module.command)


_register()


def _report(exc: ShipspecError) -> None:
    if isinstance(exc, SpecError):
        for diagnostic in exc.diagnostics:
            click.echo(diagnostic.render(), err=True)
        click.echo(f"{exc}.", err=True)
    else:
        click.echo(f"error: {exc}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    mark("cli-imported")
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
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (a bug in shipspec; rerun with "
            "SHIPSPEC_DEBUG=1 for details and report it)",
            err=True,
        )
        return EXIT_INTERNAL
    finally:
        mark("exit")
    return 0


def run() -> None:
    sys.exit(main())
