"""Secret values: where they come from, their digests for planning, their values for apply.

This is the only module of the planning core that reads the operator's environment and secret files. Planning
needs only a digest per secret (so a changed password recreates the containers that receive it, which Compose
misses); apply asks for the values once, right before creating containers. Values never leave this module except
as the return value of :func:`secret_values`, and nothing here logs or formats them.

The digest is domain-separated by app, service and variable, so the same password used twice does not show the
same digest, and anyone who can read labels can already ``docker inspect`` a container's environment anyway.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import assert_never

from engine.desire.types import SecretKind, SecretSource
from engine.errors import SecretError
from engine.spec.model import SecretRef, ServiceSpec
from engine.spec.validate import ValidSpec


def secret_source(ref: SecretRef, base_dir: Path) -> SecretSource:
    """The resolved source of one reference: file paths become absolute so a saved plan applies from anywhere."""
    if ref.env is not None:
        return SecretSource(SecretKind.ENV, ref.env)
    assert ref.file is not None, "validated specs carry exactly one of env or file"
    return SecretSource(SecretKind.FILE, str((base_dir / ref.file).resolve()))


def service_secret_sources(valid: ValidSpec, service: str) -> dict[str, SecretSource]:
    svc: ServiceSpec = valid.spec.services[service]
    return {var: secret_source(ref, valid.base_dir) for var, ref in sorted(svc.secrets.items())}


def secret_digest(app: str, service: str, var: str, value: str) -> str:
    """sha256 hex of the value, keyed by where it is used."""
    material = "\0".join(("shipspec-secret-v1", app, service, var, value)).encode()
    return hashlib.sha256(material).hexdigest()


def read_secret(service: str, var: str, source: SecretSource, environ: Mapping[str, str] | None = None,
                where: str | None = None) -> str:
    """One value. A file's single trailing newline is dropped (``echo pw > file`` adds one). ``where`` (the
    spec's ``file:line:col path`` of the reference) starts the error message, when the caller knows it."""
    said = f"{where}:" if where else f"service {service}: secret {var}"
    match source.kind:
        case SecretKind.ENV:
            return _from_env(said, source.ref, os.environ if environ is None else environ)
        case SecretKind.FILE:
            return _from_file(said, source.ref)
    assert_never(source.kind)


def _from_env(said: str, name: str, env: Mapping[str, str]) -> str:
    if name not in env:
        raise SecretError(
            f"{said} reads environment variable {name}, which is not set; "
            f"export {name}=… in the shell that runs shipspec, or point the secret at a file"
        )
    return env[name]


def _from_file(said: str, path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SecretError(
            f"{said} reads file {path}: {reason}; "
            f"create that file (readable by you, UTF-8) or point the secret at an environment variable"
        ) from None
    return text[:-1] if text.endswith("\n") else text


def secret_values(
    service: str, sources: Mapping[str, SecretSource], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The values for apply (``ContainerSpec.secret_env``); call it as late as possible and keep nothing."""
    return {var: read_secret(service, var, src, environ) for var, src in sorted(sources.items())}


def secret_digests(valid: ValidSpec, environ: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """service → variable → digest, for every secret of the spec. Every missing value is reported at once."""
    out: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    app = valid.spec.name
    for service in sorted(valid.spec.services):
        out[service] = {}
        for var, src in service_secret_sources(valid, service).items():
            try:
                value = read_secret(service, var, src, environ, valid.at("services", service, "secrets", var, key=True))
            except SecretError as exc:
                problems.append(str(exc))
                continue
            out[service][var] = secret_digest(app, service, var, value)
    if problems:
        raise SecretError("\n".join(problems))
    return out
