"""The Compose file: the structure shipspec intends, built as data, then laid out by ``templates/compose``.

Compose interpolates ``$`` in every string of the file, so every spec string is written with ``$`` doubled (``$$``
is Compose's literal dollar). Secret values are never written: a secret read from a file travels as a Compose
file secret (a bind mount, which a read-only container takes); one read from the operator's environment becomes
``VAR: ${NAME:?…}``, interpolated by Compose when it runs, which is how shipspec's own apply hands it over (an
environment variable). Compose v2 cannot inject an environment-sourced *secret* into a read-only container ("`file`
is the sole supported option"), and docker-compose 1.29 reads neither. A file secret is seen as
``/run/secrets/<VAR>`` and ``<VAR>_FILE``
names that path (the convention of the official postgres, mysql and redis images).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from engine.errors import RenderError
from engine.render.compose_proxy import add_proxy
from engine.render.context import RenderContext, health_command
from engine.spec.derived import compose_secret_name as secret_name
from engine.spec.model import Condition, Runtime, ServiceSpec
from engine.spec.quantity import cpu_millicores, memory_bytes
from engine.spec.security import resolve

_CONDITIONS = {
    Condition.STARTED: "service_started",
    Condition.HEALTHY: "service_healthy",
    Condition.COMPLETED: "service_completed_successfully",
}


def esc(text: str) -> str:
    """Compose's escape for a literal dollar sign."""
    return text.replace("$", "$$")


def unescape(text: str) -> str:
    """What Compose makes of an escaped string: the inverse of ``esc``."""
    return text.replace("$$", "$")


def compose_document(ctx: RenderContext) -> tuple[dict[str, Any], dict[str, str]]:
    """The Compose document, and the files it names beside it (path relative to the output folder → text): the
    contents of the spec's ``files`` and the proxy's config, mounted as file configs. Not inline ``content``:
    Compose v2 cannot put inline content into a read-only container ("`file` is the sole supported option"),
    and docker-compose 1.29 reads file configs only."""
    spec = ctx.spec
    written: dict[str, str] = {}
    services: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    configs: dict[str, Any] = {}
    for name in sorted(spec.services):
        svc = spec.services[name]
        services[name] = _service(ctx, name, svc, configs, written)
        for mount in svc.volumes:
            if mount.name is not None:
                volumes[mount.name] = {}
        for ref in svc.secrets.values():
            if ref.file is not None:
                secrets[secret_name(ref)] = {"file": ctx.relative(ref.file)}
    doc: dict[str, Any] = {"name": _project(ctx), "services": services}
    for key, section in (("volumes", volumes), ("secrets", secrets), ("configs", configs)):
        if section:
            doc[key] = {k: section[k] for k in sorted(section)}
    add_proxy(ctx, doc, written, _short_port)  # replicas sharing a host port: the proxy publishes it
    return doc, written


SPEC_ONLY = "# Compose Specification only:"
COMPOSE_FILES = "compose"  # the folder, beside compose.yaml, of the files it mounts
_SAFE_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,100}", re.ASCII)


def spec_only_notes(doc: dict[str, Any]) -> list[str]:
    """What in ``doc`` only the Compose Specification (Compose v2) reads, for comments at the top of the file;
    everything else is written in forms docker-compose 1.29 reads too (short port syntax, file secrets)."""
    return [
        f"{SPEC_ONLY} top-level `name` (docker-compose 1.29: delete that line, run docker-compose -p {doc['name']})."
    ]


def _project(ctx: RenderContext) -> str:
    return ctx.spec.name if ctx.env is None else f"{ctx.spec.name}-{ctx.env}".lower()


def _service(
    ctx: RenderContext, name: str, svc: ServiceSpec, configs: dict[str, Any], written: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {"image": esc(ctx.image(name))}
    if svc.build is not None:
        out["build"] = _build(ctx, name, svc)
    if svc.entrypoint is not None:
        out["entrypoint"] = [esc(a) for a in svc.entrypoint]
    if svc.command is not None:
        out["command"] = [esc(a) for a in svc.command]
    if svc.working_dir is not None:
        out["working_dir"] = esc(svc.working_dir)
    out.update(_security(ctx, svc))
    out.update(_environment(name, svc))
    if svc.files:
        out["configs"] = _configs(ctx, name, svc, configs, written)
    published = [p for p in svc.ports if p.host is not None]
    if published:
        out["ports"] = [_short_port(p.host_ip, p.host, p.container, p.protocol) for p in published]
    internal = [p for p in svc.ports if p.host is None]
    if internal:
        out["expose"] = [str(p.container) if p.protocol == "tcp" else f"{p.container}/udp" for p in internal]
    mounts = [_mount(ctx, m.name, m.source, m.target, m.read_only) for m in svc.volumes]
    if mounts:
        out["volumes"] = mounts
    if svc.tmpfs:
        out["tmpfs"] = [esc(t) for t in svc.tmpfs]
    if svc.health is not None:
        h = svc.health
        out["healthcheck"] = {
            "test": ["CMD", *(esc(a) for a in health_command(svc))],
            "interval": h.interval,
            "timeout": h.timeout,
            "retries": h.retries,
            "start_period": h.start_period,
        }
    if svc.depends_on:
        out["depends_on"] = {t: {"condition": _CONDITIONS[svc.depends_on[t]]} for t in sorted(svc.depends_on)}
    out["deploy"] = _deploy(svc)
    out["restart"] = svc.restart.value
    out["stop_grace_period"] = svc.stop_grace_period
    if svc.stop_signal is not None:
        out["stop_signal"] = svc.stop_signal
    if svc.hostname is not None:
        out["hostname"] = svc.hostname
    if svc.sysctls:
        out["sysctls"] = {k: esc(svc.sysctls[k]) for k in sorted(svc.sysctls)}
    labels = {**ctx.spec.labels, **svc.labels}
    if labels:
        out["labels"] = {k: esc(labels[k]) for k in sorted(labels)}
    return out


def _short_port(host_ip: str, host: int | None, container: int, protocol: str) -> str:
    """``IP:HOST:CONTAINER/PROTO``: the short syntax, which docker-compose 1.29 reads too (it rejects the long
    syntax's ``host_ip``). An IPv6 address is bracketed, as both readers expect."""
    ip = f"[{host_ip.strip('[]')}]" if ":" in host_ip else host_ip
    return f"{ip}:{host}:{container}/{protocol}"


def _security(ctx: RenderContext, svc: ServiceSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    sec = resolve(ctx.spec, svc)
    if sec.user is not None:
        out["user"] = sec.user
    out.update(init=svc.init, read_only=sec.read_only_root)
    if sec.cap_drop:
        out["cap_drop"] = list(sec.cap_drop)
    if sec.cap_add:
        out["cap_add"] = list(sec.cap_add)
    if sec.no_new_privileges:
        out["security_opt"] = ["no-new-privileges:true"]
    return out


def _environment(name: str, svc: ServiceSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    environment = {k: esc(svc.env[k]) for k in sorted(svc.env)}
    files = {v: ref for v, ref in svc.secrets.items() if ref.file is not None}
    for var in sorted(set(svc.secrets) - set(files)):
        source = svc.secrets[var].env
        environment[var] = f"${{{source}:?set {source} in the environment that runs docker compose}}"
    for var in sorted(files):
        if f"{var}_FILE" in environment:
            raise RenderError(f"services.{name}: env {var}_FILE clashes with the file path of secret {var}")
        environment[f"{var}_FILE"] = f"/run/secrets/{var}"
    if environment:
        out["environment"] = {k: environment[k] for k in sorted(environment)}
    if files:
        out["secrets"] = [{"source": secret_name(files[v]), "target": v} for v in sorted(files)]
    return out


def _configs(
    ctx: RenderContext, name: str, svc: ServiceSpec, configs: dict[str, Any], written: dict[str, str]
) -> list[dict[str, Any]]:
    """Files become Compose file configs, mounted read-only at their target: a spec's inline content is written
    beside the Compose file (``compose/<service>/<n>-<name>``, verbatim: Compose does not interpolate a file's
    content), a source file is named where it is."""
    out = []
    for i, file in enumerate(svc.files):
        key = f"{name}_file_{i}"
        if file.content is not None:
            base = PurePosixPath(file.target).name
            path = f"{COMPOSE_FILES}/{name}/{i}-{base}" if _SAFE_FILE.fullmatch(base) else f"{COMPOSE_FILES}/{name}/{i}"
            written[path] = file.content
            configs[key] = {"file": f"./{path}"}
        else:
            configs[key] = {"file": esc(ctx.relative(file.source or ""))}
        out.append({"source": key, "target": esc(file.target)})
    return out


def _build(ctx: RenderContext, name: str, svc: ServiceSpec) -> dict[str, Any]:
    assert svc.build is not None
    context = ctx.relative(svc.build.context)
    if svc.build.runtime is Runtime.DOCKERFILE:
        dockerfile = svc.build.dockerfile or "Dockerfile"
    else:
        rendered = os.path.join(ctx.out_dir, ctx.dockerfile_path(name))
        context_dir = os.path.normpath(os.path.join(ctx.spec_path.parent, svc.build.context))
        dockerfile = os.path.relpath(rendered, context_dir).replace(os.sep, "/")
    out: dict[str, Any] = {"context": esc(context), "dockerfile": esc(dockerfile)}
    if svc.build.target is not None:
        out["target"] = svc.build.target
    if svc.build.args:
        out["args"] = {k: esc(svc.build.args[k]) for k in sorted(svc.build.args)}
    return out


def _mount(ctx: RenderContext, volume: str | None, source: str | None, target: str, ro: bool) -> dict[str, Any]:
    if volume is not None:
        out: dict[str, Any] = {"type": "volume", "source": volume, "target": esc(target)}
    else:
        out = {"type": "bind", "source": esc(ctx.relative(source or "")), "target": esc(target)}
    if ro:
        out["read_only"] = True
    return out


def _deploy(svc: ServiceSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"replicas": svc.replicas}
    resources: dict[str, Any] = {}
    for side, key in (("limits", "limits"), ("requests", "reservations")):
        q = getattr(svc.resources, side)
        entry: dict[str, str] = {}
        if q.cpu is not None:
            entry["cpus"] = _cpus(q.cpu)
        if q.memory is not None:
            entry["memory"] = f"{memory_bytes(q.memory)}b"
        if entry:
            resources[key] = entry
    if resources:
        out["resources"] = resources
    return out


def _cpus(quantity: str) -> str:
    """Kubernetes CPU (``250m``) as Compose's decimal cores (``0.25``)."""
    value = Decimal(cpu_millicores(quantity)) / 1000
    return format(value.normalize(), "f")
