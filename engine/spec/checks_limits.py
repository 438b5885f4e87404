"""Checks for what a spec's names and values become further down: Kubernetes objects, Docker containers, files.

Everything here was once accepted by ``validate`` and refused later (by ``render``, ``kubectl`` or the engine at
apply), or worse, accepted everywhere and wrong: an environment named ``../../x`` rendered outside the project, an
app named ``kube-system`` relabelled that namespace. Each rule is judged by the target's own rules (``derived``).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from engine.errors import Diagnostic
from engine.spec import derived as D
from engine.spec.model import Runtime, ServiceSpec
from engine.spec.quantity import cpu_millicores, memory_bytes
from engine.spec.source import SourceMap, SpecPath

if TYPE_CHECKING:
    from engine.spec.check_context import CheckContext

INT64_MAX = 2**63 - 1
PROXY_ADMIN_PORT = 9999  # engine.proxy.config.ADMIN_PORT (a test keeps them equal); the proxy listens on it
_NAME_HINT = "use lowercase letters, digits and '-', starting with a letter"


def _svc(name: str, *rest: str | int) -> SpecPath:
    return ("services", name, *rest)


def environment_name_problems(document: dict[str, object], source: SourceMap) -> Iterator[Diagnostic]:
    """An environment's name becomes a folder (``deploy/<env>``) and a namespace (``<app>-<env>``). Judged on the
    whole document: the merged spec of one environment no longer holds ``environments``."""
    envs = document.get("environments")
    app = document.get("name")
    for env in envs if isinstance(envs, dict) else {}:
        path = ("environments", env)
        if env == "base":
            yield source.diagnostic(
                path, "'base' names the base spec's own output", "choose another name, e.g. dev or prod", key=True
            )
        elif len(env) > 63 or not D.DNS1035_LABEL.fullmatch(env):
            yield source.diagnostic(path, f"environment name {env!r} must be a DNS label", _NAME_HINT, key=True)
        elif isinstance(app, str) and len(f"{app}-{env}") > 63:
            yield source.diagnostic(
                path, f"namespace '{app}-{env}' is longer than 63 characters",
                "shorten the app or environment name", key=True,
            )


def check_app_name(ctx: CheckContext) -> Iterator[Diagnostic]:
    name = ctx.spec.name
    if name in D.SYSTEM_NAMESPACES or name.startswith("kube-"):
        yield ctx.source.diagnostic(
            ("name",), f"{name!r} is a Kubernetes system namespace: the rendered Namespace would take it over",
            "choose the app's own name",
        )


def check_k8s_objects(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Object names valid for their kind, and no two objects sharing a name or a file under ``k8s/``."""
    files: dict[str, D.K8sName] = {}
    objects: dict[tuple[str, str], D.K8sName] = {}
    for obj in D.k8s_names(ctx.spec, ctx.spec.name):
        if obj.service and not D.DNS1035_LABEL.fullmatch(obj.service):
            continue  # check_names reports the service name itself
        where = _svc(obj.service) if obj.service else ("name",)
        if problem := D.k8s_name_problem(obj.kind, obj.name):
            yield ctx.source.diagnostic(where, f"{obj.kind} name {obj.name!r} {problem}",
                                        "shorten the name", key=obj.service is not None)
        earlier = objects.get((obj.kind, obj.name)) or (files.get(obj.file) if obj.file else None)
        if earlier is not None:
            yield ctx.source.diagnostic(
                where, f"{obj.kind} {obj.name!r} ({obj.file}) collides with the {earlier.kind} {earlier.name!r} "
                f"of {'service ' + repr(earlier.service) if earlier.service else 'the app'}",
                "rename one of the services (blue_green adds -blue and -green, canary adds -canary)", key=True,
            )
        objects.setdefault((obj.kind, obj.name), obj)
        if obj.file:
            files.setdefault(obj.file, obj)


def check_service_values(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, svc in ctx.spec.services.items():
        yield from _ports(ctx, name, svc)
        yield from _env(ctx, name, svc)
        yield from _args(ctx, name, svc)
        yield from _targets(ctx, name, svc)
        yield from _quantities(ctx, name, svc)
        for volume in D.pod_volume_names(svc):
            if len(volume) > 63:
                i = next(i for i, m in enumerate(svc.volumes) if m.name and volume == f"vol-{m.name}")
                yield ctx.source.diagnostic(_svc(name, "volumes", i, "name"),
                                            f"pod volume {volume!r} is longer than 63 characters",
                                            "use a volume name of at most 59 characters")


def _ports(ctx: CheckContext, name: str, svc: ServiceSpec) -> Iterator[Diagnostic]:
    names: dict[str, int] = {}
    for i, port in enumerate(svc.ports):
        pname = D.port_name(port.name, port.protocol, port.container)
        path = _svc(name, "ports", i, "name") if port.name else _svc(name, "ports", i)
        if not D.port_name_ok(pname):
            yield ctx.source.diagnostic(path, f"port name {pname!r} is not a valid Kubernetes port name",
                                        "at most 15 lowercase letters, digits and single '-', with a letter")
        if pname in names and (port.name or svc.ports[names[pname]].name):  # else: the port itself repeats
            yield ctx.source.diagnostic(path, f"port name {pname!r} is also used by ports[{names[pname]}]",
                                        "give each port its own name")
        names.setdefault(pname, i)
        if ctx.spec.proxy.enabled and port.host == PROXY_ADMIN_PORT and port.protocol == "tcp":
            yield ctx.source.diagnostic(_svc(name, "ports", i, "host"),
                                        f"host port {PROXY_ADMIN_PORT} is the proxy's runtime API port",
                                        "choose another host port")


def _env(ctx: CheckContext, name: str, svc: ServiceSpec) -> Iterator[Diagnostic]:
    for var, value in svc.env.items():
        path = _svc(name, "env", var)
        if not D.config_key_ok(var):
            yield ctx.source.diagnostic(path, f"{var!r} is longer than a ConfigMap key may be (253)", key=True)
        if "\0" in value:
            yield ctx.source.diagnostic(path, "contains a NUL character, which no process environment can hold",
                                        "remove the \\0 escape")
    for var in svc.secrets:
        if f"{var}_FILE" in svc.env:
            yield ctx.source.diagnostic(
                _svc(name, "env", f"{var}_FILE"),
                f"{var}_FILE is where Compose tells the container the file of secret {var!r}",
                "rename the variable or the secret", key=True,
            )


def _args(ctx: CheckContext, name: str, svc: ServiceSpec) -> Iterator[Diagnostic]:
    if svc.command is not None and not svc.command:
        yield ctx.source.diagnostic(_svc(name, "command"), "an empty command runs nothing",
                                    "remove `command` to run the image's own command")
    lists = {"command": svc.command, "entrypoint": svc.entrypoint,
             "health": svc.health.exec if svc.health is not None else None}
    for field, args in lists.items():
        for i, arg in enumerate(args or ()):
            if "\0" in arg:
                where = _svc(name, "health", "exec", i) if field == "health" else _svc(name, field, i)
                yield ctx.source.diagnostic(where, "contains a NUL character, which no argument can hold")


def _targets(ctx: CheckContext, name: str, svc: ServiceSpec) -> Iterator[Diagnostic]:
    targets: list[tuple[tuple[str | int, ...], str]] = [
        (("volumes", i, "target"), m.target) for i, m in enumerate(svc.volumes)
    ]
    targets += [(("files", i, "target"), f.target) for i, f in enumerate(svc.files)]
    targets += [(("tmpfs", i), t) for i, t in enumerate(svc.tmpfs)]
    for rest, target in targets:
        parts = target.split("/")
        if os.path.normpath(target) == "/" or ".." in parts or "\0" in target:
            yield ctx.source.diagnostic(_svc(name, *rest), f"{target!r} cannot be mounted over",
                                        "name a folder below / without '..', e.g. /data")


def _quantities(ctx: CheckContext, name: str, svc: ServiceSpec) -> Iterator[Diagnostic]:
    for side in ("requests", "limits"):
        q = getattr(svc.resources, side)
        for field, value, scale in (("memory", q.memory, 1), ("cpu", q.cpu, 1_000_000)):
            if value is None:
                continue
            try:
                amount = (memory_bytes(value) if field == "memory" else cpu_millicores(value)) * scale
            except ValueError:
                continue  # reported by check_resources
            if amount > INT64_MAX:
                yield ctx.source.diagnostic(_svc(name, "resources", side, field),
                                            f"{value!r} is more than the engine can count (a 64-bit number)",
                                            "write a realistic amount, e.g. 512Mi or 4Gi")


def check_labels(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Spec labels become Kubernetes labels (or annotations when the value is not a label value)."""
    scopes: list[tuple[SpecPath, dict[str, str]]] = [(("labels",), ctx.spec.labels)]
    scopes += [(_svc(n, "labels"), s.labels) for n, s in ctx.spec.services.items()]
    for prefix, labels in scopes:
        size = 0
        for key, value in labels.items():
            if not D.label_key_ok(key):
                yield ctx.source.diagnostic(
                    (*prefix, key), f"{key!r} is not a Kubernetes label key",
                    "an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'", key=True,
                )
            if "\0" in value:
                yield ctx.source.diagnostic((*prefix, key), "contains a NUL character")
            if not D.label_value_ok(value):
                size += len(key.encode()) + len(value.encode())
        if size > D.ANNOTATIONS_MAX:
            yield ctx.source.diagnostic(prefix, f"labels that become annotations total {size:,} bytes",
                                        f"Kubernetes allows {D.ANNOTATIONS_MAX:,} bytes of annotations per object")


def check_secret_keys(ctx: CheckContext) -> Iterator[Diagnostic]:
    """One Secret per app: two different sources must not share its key (nor one Compose secret name)."""
    keys: dict[str, tuple[str, str]] = {}
    names: dict[str, tuple[str, str]] = {}
    for name in sorted(ctx.spec.services):
        for var, ref in sorted(ctx.spec.services[name].secrets.items()):
            if (ref.env is None) == (ref.file is None):
                continue  # reported by check_env_and_secrets
            source = f"env:{ref.env}" if ref.env is not None else f"file:{os.path.normpath(ref.file or '')}"
            path = _svc(name, "secrets", var)
            key = D.secret_key(ref)
            if not D.config_key_ok(key):
                yield ctx.source.diagnostic(path, f"secret key {key!r} is not a valid Kubernetes Secret key",
                                            "name the file with letters, digits, '-', '_' and '.'")
            for table, derived in ((keys, key), (names, D.compose_secret_name(ref))):
                other = table.setdefault(derived, (source, f"services.{name}.secrets.{var}"))
                if other[0] != source:
                    yield ctx.source.diagnostic(
                        path, f"{source.split(':', 1)[1]!r} and {other[1]} would share the secret {derived!r}",
                        "give the secret files different base names (or variables different names)",
                    )
                    break


def check_host_addresses(ctx: CheckContext) -> Iterator[Diagnostic]:
    """``[::]``, ``::`` and ``0:0:0:0:0:0:0:0`` are one address: compare what they mean, not how they are spelt."""
    seen: dict[tuple[int, str], list[tuple[str, str, ipaddress.IPv4Address | ipaddress.IPv6Address]]] = {}
    for name, svc in ctx.spec.services.items():
        for i, port in enumerate(svc.ports):
            if port.host is None:
                continue
            try:
                address = ipaddress.ip_address(port.host_ip.removeprefix("[").removesuffix("]"))
            except ValueError:
                continue  # reported by check_ports
            if address.is_unspecified and port.host_ip not in ("0.0.0.0", "::"):
                yield ctx.source.diagnostic(_svc(name, "ports", i, "host_ip"),
                                            f"{port.host_ip!r} is the wildcard address", "write it as :: or 0.0.0.0")
                continue
            earlier = seen.setdefault((port.host, port.protocol), [])
            # the same spelling twice is check_ports' to report; another spelling of one address is ours
            clash = next((w for w, spelt, a in earlier if a == address and spelt != port.host_ip), None)
            if clash is not None:
                yield ctx.source.diagnostic(_svc(name, "ports", i, "host"),
                                            f"host port {port.host} on {address} is also published by {clash}",
                                            "choose another host port for one of them")
            earlier.append((f"services.{name}.ports[{i}]", port.host_ip, address))


def check_named_files(ctx: CheckContext) -> Iterator[Diagnostic]:
    """A path the spec names where a file is expected must be a regular file inside its folder: a Dockerfile
    ``/etc/passwd``, ``../../etc/shadow`` or ``/dev/zero`` would otherwise be read (or hang, or fill memory)."""
    base = ctx.base_dir.resolve()
    for name, svc in ctx.spec.services.items():
        build = svc.build
        if build is not None and build.runtime is Runtime.DOCKERFILE:
            context = (base / build.context).resolve()
            rel = build.dockerfile or "Dockerfile"
            path = _svc(name, "build", "dockerfile") if build.dockerfile else _svc(name, "build")
            target = (context / rel).resolve()
            if os.path.isabs(rel) or (target != context and context not in target.parents):
                yield ctx.source.diagnostic(path, f"Dockerfile {rel!r} is outside the build context",
                                            "name a file inside the context, relative to it")
            elif context.is_dir() and not target.is_file():
                what = "does not exist" if not target.exists() else "is not a regular file"
                yield ctx.source.diagnostic(path, f"Dockerfile {rel!r} {what} in the build context",
                                            "add it, or set build.dockerfile to the file's path in the context")
        for i, file in enumerate(svc.files):
            if file.source is not None:
                target = (base / file.source).resolve()
                if target.exists() and not target.is_file():
                    yield ctx.source.diagnostic(_svc(name, "files", i, "source"),
                                                f"{file.source!r} is not a regular file", "name a text file")


LIMIT_CHECKS = (
    check_app_name,
    check_k8s_objects,
    check_service_values,
    check_labels,
    check_secret_keys,
    check_host_addresses,
    check_named_files,
)
