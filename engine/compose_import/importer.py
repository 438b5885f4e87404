"""The import use case: Compose files → resolved model → spec text + report, validated before it is returned.

Invalid Compose never reaches the translation: YAML syntax errors are located by our own parse (Compose's YAML
line numbers are relative to fragments), and Compose's own refusals are located through the positions by the
Compose path they name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from engine.compose_import.context import Ctx
from engine.compose_import.emit import emit_spec
from engine.compose_import.positions import Positions, read_positions
from engine.compose_import.report import Report
from engine.compose_import.tool import ComposeToolError, resolve
from engine.compose_import.translate import service_names, translate
from engine.compose_import.units import dns_label
from engine.errors import Diagnostic, SpecError
from engine.spec.loader import load_spec_text
from engine.spec.validate import validate_loaded

_COMPOSE_PATH = re.compile(r"\b(services|networks|volumes|secrets|configs)((?:\.[^\s.:]+)+)")
_UNDEFINED_DEP = re.compile(r'service "([^"]+)" depends on undefined service "([^"]+)"')
_UNSET = re.compile(r'The "([^"]+)" variable is not set')


@dataclass(frozen=True)
class Imported:
    text: str  # the commented app.yaml
    report: Report
    problems: tuple[Diagnostic, ...]  # validation problems of the written spec (empty when it validates)


def import_compose(
    command: Sequence[str],
    files: Sequence[Path],
    out: Path,
    *,
    names: Sequence[str] | None = None,
    profiles: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Imported:
    shown = list(names or [str(f) for f in files])
    _check_yaml(files, shown)
    positions = read_positions(files, shown)
    try:
        resolved = resolve(command, files, profiles=profiles, environ=environ)
    except ComposeToolError as exc:
        if exc.stderr:
            raise SpecError([_locate(str(exc), positions)]) from None
        raise
    model = _literal_dollars(resolved.model)
    ctx = Ctx(positions, out.resolve().parent, dns_label(str(model.get("name", "app")), 30), service_names(model),
              model)
    ctx.report.warnings.extend(w for w in resolved.warnings if "attribute `version` is obsolete" not in w)
    for var in _UNSET.findall("\n".join(resolved.warnings)):
        ctx.report.operator.setdefault(var, "was not set at import: Compose used a blank value; set it and import "
                                       "again, or edit the spec")
    doc = translate(ctx)
    text = emit_spec(doc, ctx.comments, shown)
    return Imported(text, ctx.report, _validate(text, out))


def _literal_dollars(value: Any) -> Any:
    """``config`` prints its model re-escaped for Compose (a literal ``$`` as ``$$``); in the spec a ``$`` is
    literal, so the escape goes (render writes it back for Compose)."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [_literal_dollars(v) for v in value]
    if isinstance(value, dict):
        return {k: _literal_dollars(v) for k, v in value.items()}
    return value


def _validate(text: str, out: Path) -> tuple[Diagnostic, ...]:
    try:
        validate_loaded(load_spec_text(text, out.name), out, None)
    except SpecError as exc:
        return exc.diagnostics
    return ()


def _check_yaml(files: Sequence[Path], shown: Sequence[str]) -> None:
    problems = []
    for file, name in zip(files, shown, strict=True):
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(Diagnostic(name, 1, 1, "", "file not found", "pass Compose files with -f FILE"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Diagnostic(name, 1, 1, "", f"cannot read: {exc}"))
            continue
        try:
            yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problems.append(Diagnostic(name, line, col, "", f"YAML syntax error: {exc.problem or exc.context}",
                                       "check indentation, colons and quotes"))
        except yaml.YAMLError as exc:
            problems.append(Diagnostic(name, 1, 1, "", f"YAML error: {exc}"))
    if problems:
        raise SpecError(problems)


def _locate(message: str, positions: Positions) -> Diagnostic:
    """Compose's message, at the position of the Compose path it names (or the file's start)."""
    dep = _UNDEFINED_DEP.search(message)
    path: tuple[str | int, ...] = ()
    if dep:
        path = ("services", dep.group(1), "depends_on", dep.group(2))
    elif found := _COMPOSE_PATH.search(message):
        parts = [p for p in found.group(2).split(".") if p and p != "[]"]
        path = (found.group(1), *(int(p) if p.isdigit() else p for p in parts))
    message = re.sub(r"^validating \S+: ", "", message)
    return positions.diagnostic(path, f"Compose refused the file: {message}", "fix the Compose file; "
                                "`docker compose config` shows the same error")
