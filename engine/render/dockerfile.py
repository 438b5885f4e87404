"""Dockerfiles (and their ``.dockerignore``) for services that shipspec builds, and the check that reads them back.

Images carry no environment values and no secrets: env and secrets reach the container at run time (Compose,
Kubernetes, apply), so one image serves every environment and nothing secret sits in ``ENV``, ``ARG`` or a layer.
Spec values reach a Dockerfile only as exec-form JSON arrays (``CMD``, ``ENTRYPOINT``, ``HEALTHCHECK``), which
Docker never expands, or as words checked against a safe pattern (``FROM``, ``USER``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.errors import RenderError
from engine.render.context import RenderContext, health_command
from engine.render.environment import render_template
from engine.spec.buildcontext import STATE_FOLDER, never_sent
from engine.spec.model import Runtime, ServiceSpec
from engine.spec.quantity import duration_seconds
from engine.spec.security import resolve

DEFAULT_COMMANDS = {
    Runtime.PYTHON: ["python3", "app.py"],
    Runtime.NODE: ["node", "index.js"],
}
_IGNORE_COMMON = [".git", ".gitignore", ".dockerignore", "Dockerfile*", ".env", ".env.*", "**/.DS_Store", "deploy/"]
_IGNORE = {
    Runtime.PYTHON: ["__pycache__/", "**/*.pyc", ".venv/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/"],
    Runtime.NODE: ["node_modules/", "npm-debug.log*", ".npm/"],
    Runtime.STATIC: [],
}


@dataclass(frozen=True)
class DockerfileIntent:
    """What a rendered Dockerfile must say, compared against the text after rendering."""

    stages: tuple[str, ...]  # FROM images, in order
    user: str | None
    expose: tuple[str, ...]
    healthcheck: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...]


def command_for(svc: ServiceSpec) -> list[str]:
    assert svc.build is not None
    if svc.command is not None:
        return list(svc.command)
    if svc.build.runtime is Runtime.STATIC:
        port = svc.ports[0].container if svc.ports else 8080
        return ["httpd", "-f", "-p", str(port), "-h", "/www"]
    return DEFAULT_COMMANDS[svc.build.runtime]


def render_dockerfile(ctx: RenderContext, name: str) -> tuple[str, DockerfileIntent]:
    svc = ctx.spec.services[name]
    assert svc.build is not None
    runtime = svc.build.runtime
    if runtime is Runtime.DOCKERFILE:
        raise RenderError("runtime dockerfile: the service brings its own Dockerfile")  # callers skip these
    base = ctx.base_image(svc)
    health: dict[str, Any] | None = None
    if svc.health is not None:
        h = svc.health
        # Docker rejects a zero duration here ("cannot be less than 1ms"): zero means "Docker's default", so omit it.
        timings = [("interval", h.interval), ("timeout", h.timeout), ("start-period", h.start_period)]
        options = [(k, v) for k, v in timings if duration_seconds(v) > 0] + [("retries", str(h.retries))]
        health = {"options": options, "test": health_command(svc)}
    expose = [f"{p.container}/{p.protocol}" for p in svc.ports]
    command = command_for(svc)
    user = resolve(ctx.spec, svc).user
    text = render_template(
        f"dockerfile/{runtime.value}.Dockerfile.j2",
        header=ctx.header(),
        base=base,
        user=user,
        volumes=[m.target for m in svc.volumes if m.name is not None] if user else [],
        expose=expose,
        health=health,
        entrypoint=svc.entrypoint,
        command=command,
    )
    intent = DockerfileIntent(
        stages=(base, base),
        user=user,
        expose=tuple(expose),
        healthcheck=tuple(health["test"]) if health else None,
        entrypoint=tuple(svc.entrypoint) if svc.entrypoint else None,
        cmd=tuple(command),
    )
    return text, intent


def render_dockerignore(ctx: RenderContext, name: str) -> str:
    build = ctx.spec.services[name].build
    assert build is not None
    # Never in an image, whatever else the context holds: the spec, the state folder, secret files, the output.
    never = never_sent(ctx.spec, ctx.spec_path, build.context, (ctx.out_dir,))
    patterns = [*_IGNORE_COMMON, *never, f"**/{STATE_FOLDER}", *_IGNORE[build.runtime]]
    return render_template("dockerfile/dockerignore.j2", header=ctx.header(), patterns=list(dict.fromkeys(patterns)))


def read_back(text: str) -> DockerfileIntent:
    """Parse the instructions that carry spec values, the way Docker's parser would see them."""
    stages: list[str] = []
    user = None
    expose: list[str] = []
    health = entrypoint = None
    cmd: tuple[str, ...] = ()
    for instruction, args in _instructions(text):
        match instruction:
            case "FROM":
                stages.append(args.split()[0])
            case "USER":
                user = args
            case "EXPOSE":
                expose.extend(args.split())
            case "HEALTHCHECK":
                health = None if args == "NONE" else _exec(args[args.index("CMD ") + 4 :])
            case "ENTRYPOINT":
                entrypoint = _exec(args)
            case "CMD":
                cmd = _exec(args)
    return DockerfileIntent(tuple(stages), user, tuple(expose), health, entrypoint, cmd)


def _instructions(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _exec(args: str) -> tuple[str, ...]:
    """Exec form must be a JSON array of strings; anything else would silently become shell form."""
    try:
        value = json.loads(args)
    except json.JSONDecodeError as exc:
        raise RenderError(f"not an exec-form array: {args!r}") from exc
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RenderError(f"not an exec-form array of strings: {args!r}")
    return tuple(value)
