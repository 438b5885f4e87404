"""``shipspec validate``: check a spec and report every problem at once."""

from __future__ import annotations

import json

import click

from engine.cli.options import ENV_OPTION, FILE_OPTION, format_option
from engine.errors import SpecError


@click.command()
@FILE_OPTION
@ENV_OPTION
@format_option("text", "json")
def validate(spec_file: str, env: str | None, fmt: str) -> None:
    """Check a spec against the schema and the semantic rules; report every problem at once."""
    from engine.spec.security import describe_app, resolve
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
        levels = {name: resolve(results[0].spec, svc).level.value for name, svc in results[0].spec.services.items()}
        click.echo(json.dumps({"valid": True, "file": spec_file, "environments": envs, "errors": [],
                               "security": levels}, indent=2))
        return
    spec = results[0].spec
    scope = f"environment {env!r}" if env else ("base and " + ", ".join(envs) if envs else "base")
    count = len(spec.services)
    click.echo(f"{spec_file}: valid ({spec.name}, {count} service{'s' if count != 1 else ''}; {scope})")
    for line in describe_app(spec):
        click.echo(f"  security: {line}")


command = validate
