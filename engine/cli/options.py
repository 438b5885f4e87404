"""Options shared by several commands, so every command spells them the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

FILE_OPTION = click.option(
    "-f",
    "--file",
    "spec_file",
    default="app.yaml",
    show_default=True,
    help="The app spec.",
    type=click.Path(dir_okay=False),
)
ENV_OPTION = click.option("-e", "--env", default=None, help="Environment overlay to apply (staging, prod…).")


F = TypeVar("F", bound=Callable[..., object])


def format_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True, help="Output format."
    )


STATE_DIR_OPTION = click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the release history lives (default: $SHIPSPEC_STATE_DIR, else .shipspec beside the spec).",
)
