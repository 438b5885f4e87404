"""Habits from Compose files that would mean something else in a spec, refused with what to write instead.

* ``${VAR}`` (and ``${VAR:-default}``, ``${VAR:?err}``): Compose interpolates it from the shell that runs it;
  shipspec never interpolates, so a value, image, label or path holding it would reach the container, the engine or
  the rendered files as those literal characters. Command, entrypoint, health exec and file content are exempt:
  there a ``$`` is for the program or shell inside the container, and every target keeps it literal.
* ``~`` at the start of a path: Compose expands it to the home directory; shipspec reads every path relative to the
  spec's folder, so ``~/data`` would silently become ``./~/data``.

``container_name`` itself is refused by the schema stage (an unknown key) with its own hint, in ``schema_errors``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from engine.errors import Diagnostic
from engine.spec.check_context import CheckContext
from engine.spec.model import ServiceSpec
from engine.spec.source import SpecPath

_INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}", re.ASCII)
_INTERPOLATION_HINT = (
    "shipspec does not interpolate (Compose fills ${...} from your shell): write the value itself, use "
    "environments: for a value per environment, or secrets: {NAME: {env: VAR}} for a value from the operator's "
    "environment"
)


def check_interpolation_and_home(ctx: CheckContext) -> Iterator[Diagnostic]:
    for path, text in _values(ctx):
        match = _INTERPOLATION.search(text)
        if match:
            yield ctx.source.diagnostic(
                path, f"{match.group(0)} would be passed on literally, as those characters", _INTERPOLATION_HINT
            )
    for path, text in _paths(ctx):
        if text.startswith("~"):
            yield ctx.source.diagnostic(
                path,
                f"{text!r} starts with '~', which shipspec does not expand (it would be a folder named '~' beside "
                "the spec)",
                "write the path relative to the spec's folder (./data), or absolute with allow_outside: true where "
                "the field has it",
            )


def _values(ctx: CheckContext) -> Iterator[tuple[SpecPath, str]]:
    for key, value in ctx.spec.labels.items():
        yield ("labels", key), value
    for name, svc in ctx.spec.services.items():
        base: SpecPath = ("services", name)
        if svc.image is not None:
            yield (*base, "image"), svc.image
        for key, value in svc.env.items():
            yield (*base, "env", key), value
        for key, value in svc.labels.items():
            yield (*base, "labels", key), value
        if svc.build is not None:
            for key, value in svc.build.args.items():
                yield (*base, "build", "args", key), value
        if svc.working_dir is not None:
            yield (*base, "working_dir"), svc.working_dir
        yield from _paths_of(base, svc)


def _paths(ctx: CheckContext) -> Iterator[tuple[SpecPath, str]]:
    for name, svc in ctx.spec.services.items():
        yield from _paths_of(("services", name), svc)


def _paths_of(base: SpecPath, svc: ServiceSpec) -> Iterator[tuple[SpecPath, str]]:
    if svc.build is not None:
        yield (*base, "build", "context"), svc.build.context
        if svc.build.dockerfile is not None:
            yield (*base, "build", "dockerfile"), svc.build.dockerfile
    for i, mount in enumerate(svc.volumes):
        if mount.source is not None:
            yield (*base, "volumes", i, "source"), mount.source
    for i, file in enumerate(svc.files):
        if file.source is not None:
            yield (*base, "files", i, "source"), file.source
    for var, ref in svc.secrets.items():
        if ref.file is not None:
            yield (*base, "secrets", var, "file"), ref.file
