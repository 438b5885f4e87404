"""The validation pipeline: load → environment overlay → string recovery → JSON Schema → pydantic → semantics.

Each stage reports every problem it finds; a later stage runs only when the earlier ones passed, because checks
over a structurally broken spec would report noise. Without an environment, the base and every environment are
validated, so a broken prod overlay fails CI even when nobody deploys prod today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from engine.errors import Diagnostic, SpecError
from engine.spec.checks import run_checks
from engine.spec.checks_limits import environment_name_problems
from engine.spec.coerce import coerce_strings
from engine.spec.loader import LoadedSpec, load_spec, load_spec_text
from engine.spec.model import AppSpec
from engine.spec.overlays import apply_environment, environment_names
from engine.spec.schema import published_schema
from engine.spec.schema_errors import _PATTERN_NAMES, schema_diagnostics
from engine.spec.source import PathPart, SourceMap, format_path
from engine.spec.target_checks import target_problems


@dataclass(frozen=True)
class ValidSpec:
    """A validated spec for one environment (``env`` None is the base), with where it came from."""

    spec: AppSpec
    source: SourceMap
    path: Path
    env: str | None
    text: str = field(default="", repr=False)  # the YAML that was validated (secret references only, never values)
    # service → the release image it runs instead of its own (a rollback's pinned spec): the spec stays as it was
    # written, so a built service keeps what its build decides (its probe, its security level), but is not built
    pinned: Mapping[str, str] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def at(self, *path: PathPart, key: bool = False) -> str:
        """``app.yaml:12:7 services.web.secrets.TOKEN``: where a refusal after validation (a plan reading a
        secret, a file source or another app's container name) points in the spec, as validation's own do."""
        line, column = self.source.locate(path, key=key)
        return f"{self.source.file}:{line}:{column} {format_path(path)}"


def load_and_validate(path: str | Path, env: str | None = None, display_name: str | None = None) -> ValidSpec:
    """Validate one environment of the spec file at ``path``; raises SpecError listing every problem."""
    file = Path(path)
    loaded = load_spec(file, display_name)
    return validate_loaded(loaded, file, env)


def validate_text(text: str, path: Path, env: str | None, display_name: str) -> ValidSpec:
    """Validate YAML that is not (or no longer) in a file, as if it were at ``path``: relative paths resolve
    beside it (a rollback re-validates a release's recorded spec this way)."""
    return validate_loaded(load_spec_text(text, display_name), path, env)


def validate_all(path: str | Path, display_name: str | None = None) -> list[ValidSpec]:
    """Validate the base and every environment; problems of all of them are reported together."""
    file = Path(path)
    loaded = load_spec(file, display_name)
    results: list[ValidSpec] = []
    problems: list[Diagnostic] = []
    for env in [None, *environment_names(loaded)]:
        try:
            results.append(validate_loaded(loaded, file, env))
        except SpecError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise SpecError(_unique(problems))
    return results


def validate_loaded(loaded: LoadedSpec, file: Path, env: str | None) -> ValidSpec:
    schema = published_schema()
    # The whole document (overlays included) must match the schema before any overlay is merged.
    document = coerce_strings(loaded.data, schema, loaded.source)
    problems = schema_diagnostics(document, schema, loaded.source)
    problems.extend(_overlay_targets(document, loaded.source))
    problems.extend(environment_name_problems(document, loaded.source))
    if problems:
        raise SpecError(problems)
    merged = apply_environment(LoadedSpec(document, loaded.source), env)
    # The base is the document without its overlays, coerced and checked just now: doing either again would only
    # repeat the work. An environment's merge has values from the overlay: coerce and check the result.
    data = merged.data if env is None else coerce_strings(merged.data, schema, merged.source)
    problems = [] if env is None else schema_diagnostics(data, schema, merged.source)
    if problems:
        raise SpecError([_in_env(d, env) for d in problems])
    try:
        spec = AppSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError([_in_env(_from_pydantic(err, merged.source), env) for err in exc.errors()]) from None
    problems = run_checks(spec, merged.source, file.parent) + target_problems(spec, merged.source)
    if problems:
        raise SpecError([_in_env(d, env) for d in problems])
    return ValidSpec(spec, merged.source, file, env, loaded.text)


def _overlay_targets(document: dict[str, object], source: SourceMap) -> list[Diagnostic]:
    services = document.get("services")
    envs = document.get("environments")
    if not isinstance(services, dict) or not isinstance(envs, dict):
        return []
    out = []
    for env, overlay in envs.items():
        named = overlay.get("services", {}) if isinstance(overlay, dict) else {}
        for name in named if isinstance(named, dict) else {}:
            if name not in services:
                known = ", ".join(sorted(services))
                out.append(
                    source.diagnostic(
                        ("environments", env, "services", name),
                        f"environment {env!r} overrides unknown service {name!r}",
                        f"services are: {known}",
                        key=True,
                    )
                )
    return out


def _from_pydantic(err: object, source: SourceMap) -> Diagnostic:
    assert isinstance(err, dict)
    loc = tuple(p for p in err.get("loc", ()) if isinstance(p, str | int))
    is_key = "[key]" in loc
    loc = tuple(p for p in loc if p != "[key]")
    message = str(err.get("msg", "invalid value"))
    hint = ""
    context = err.get("ctx")
    if isinstance(context, dict) and "pattern" in context:
        # never the raw regex: the schema stage's wording for the same pattern
        name, hint = _PATTERN_NAMES.get(str(context["pattern"]), ("has an invalid format", ""))
        shown = repr(loc[-1]) if is_key and loc else repr(err.get("input"))
        message = f"key {shown} {name}" if is_key else f"{shown} {name}"
    return source.diagnostic(loc, message, hint, key=is_key)


def _in_env(diag: Diagnostic, env: str | None) -> Diagnostic:
    if env is None:
        return diag
    suffix = f" (in environment {env!r})"
    return Diagnostic(diag.file, diag.line, diag.column, diag.path, diag.message + suffix, diag.hint)


def _unique(problems: list[Diagnostic]) -> list[Diagnostic]:
    """The same base problem shows up once per environment; report it once."""
    seen: set[tuple[str, int, int, str, str]] = set()
    out = []
    for d in problems:
        key = (d.file, d.line, d.column, d.path, d.message.split(" (in environment ")[0])
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
