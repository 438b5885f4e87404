"""Semantic checks over a whole ``AppSpec``: every rule that one field cannot judge alone.

All problems are collected and returned together (users fix a spec in one pass, not one error per run). Each check
is a small function ``(ctx) -> Iterator[Diagnostic]`` registered in ``CHECKS``; positions come from the SourceMap.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from engine.errors import Diagnostic
from engine.spec.check_context import Check, CheckContext
from engine.spec.checks_compose import check_interpolation_and_home
from engine.spec.checks_limits import LIMIT_CHECKS
from engine.spec.imageref import image_ref_problem
from engine.spec.model import AppSpec, Condition, RestartPolicy, Runtime, ServiceSpec, StrategyType, TargetType
from engine.spec.quantity import cpu_millicores, duration_seconds, memory_bytes
from engine.spec.security import level_problems
from engine.spec.source import SourceMap, SpecPath, format_path

SERVICE_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
RESERVED_PREFIX = "shipspec-"  # shipspec's own services (the proxy) use these names
MAX_QUALIFIED = 52  # "<app>-<service>" plus "-canary-99" still fits a 63-character DNS label


def run_checks(spec: AppSpec, source: SourceMap, base_dir: Path) -> list[Diagnostic]:
    ctx = CheckContext(spec, source, base_dir)
    return [d for check in (*CHECKS, *LIMIT_CHECKS) for d in check(ctx)] + level_problems(spec, source)


def _svc(name: str, *rest: str | int) -> SpecPath:
    return ("services", name, *rest)


def check_names(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name in ctx.spec.services:
        if name.startswith(RESERVED_PREFIX):
            yield ctx.source.diagnostic(
                _svc(name),
                f"service name {name!r} is reserved: names starting with {RESERVED_PREFIX!r} belong to shipspec",
                "rename the service (shipspec runs its own proxy as shipspec-proxy)",
                key=True,
            )
        elif not SERVICE_NAME.fullmatch(name) or len(name) > 63:
            yield ctx.source.diagnostic(
                _svc(name),
                f"service name {name!r} must be a DNS label",
                "use lowercase letters, digits and '-', starting with a letter (Docker and Kubernetes both accept it)",
                key=True,
            )
        elif len(ctx.spec.name) + 1 + len(name) > MAX_QUALIFIED:
            yield ctx.source.diagnostic(
                _svc(name),
                f"'{ctx.spec.name}-{name}' is longer than {MAX_QUALIFIED} characters",
                "shorten the app or service name: Kubernetes object names must fit 63 characters with suffixes",
                key=True,
            )


def check_image_or_build(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, svc in ctx.spec.services.items():
        if svc.image is None and svc.build is None:
            yield ctx.source.diagnostic(
                _svc(name),
                "needs an `image` or a `build`",
                "add `image: <reference>` or `build: {runtime: ..., context: ...}`",
            )
        if svc.image is not None:
            problem = image_ref_problem(svc.image)
            if problem:
                yield ctx.source.diagnostic(
                    _svc(name, "image"),
                    f"{svc.image!r} {problem}",
                    "e.g. postgres:16, ghcr.io/team/app:1.2 or registry:5000/app@sha256:…",
                )


def check_build(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, svc in ctx.spec.services.items():
        build = svc.build
        if build is None:
            continue
        path = _svc(name, "build")
        yield from _inside(
            ctx, build.context, build.allow_outside, (*path, "context"), "build context", must_exist=True
        )
        if build.dockerfile is not None and build.runtime is not Runtime.DOCKERFILE:
            yield ctx.source.diagnostic(
                (*path, "dockerfile"), "only applies to runtime: dockerfile", "remove it, or set runtime: dockerfile"
            )
        for key in ("target", "args"):
            if getattr(build, key) and build.runtime is not Runtime.DOCKERFILE:
                yield ctx.source.diagnostic(
                    (*path, key),
                    f"only applies to runtime: dockerfile (shipspec renders the Dockerfiles of {build.runtime.value})",
                    "remove it, or bring your own Dockerfile with runtime: dockerfile",
                )
        if build.version is not None and build.runtime not in (Runtime.PYTHON, Runtime.NODE):
            yield ctx.source.diagnostic(
                (*path, "version"),
                f"runtime {build.runtime.value} has no version",
                "remove it; use base_image to choose the base",
            )
        if build.base_image is not None and (problem := image_ref_problem(build.base_image)):
            yield ctx.source.diagnostic((*path, "base_image"), f"{build.base_image!r} {problem}")


def check_depends_on(ctx: CheckContext) -> Iterator[Diagnostic]:
    services = ctx.spec.services
    for name, svc in services.items():
        for target, condition in svc.depends_on.items():
            path = _svc(name, "depends_on", target)
            if target == name:
                yield ctx.source.diagnostic(path, "a service cannot depend on itself", key=True)
            elif target not in services:
                yield ctx.source.diagnostic(path, f"unknown service {target!r}", _close(target, services), key=True)
            elif condition is Condition.HEALTHY and services[target].health is None:
                yield ctx.source.diagnostic(
                    path,
                    f"condition healthy needs a health check on {target!r}",
                    f"add `health:` to services.{target}, or use condition started",
                )
            elif condition is Condition.COMPLETED and services[target].restart in (
                RestartPolicy.ALWAYS,
                RestartPolicy.UNLESS_STOPPED,
            ):
                yield ctx.source.diagnostic(
                    path,
                    f"{target!r} restarts {services[target].restart.value}, so it never completes",
                    f"set services.{target}.restart to no or on-failure",
                )
    cycle = _find_cycle({n: [t for t in s.depends_on if t in services and t != n] for n, s in services.items()})
    if cycle:
        yield ctx.source.diagnostic(
            _svc(cycle[0], "depends_on"),
            "dependency cycle: " + " → ".join(cycle),
            "remove one depends_on edge of the cycle",
        )


def _find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """One cycle as a closed walk (a → b → a), or [] when the graph is acyclic. Iterative DFS, sorted order."""
    state: dict[str, int] = {}
    for root in sorted(graph):
        if state.get(root):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                trail = [n for n, _ in stack]
                return [*trail[trail.index(child) :], child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
    return []


def check_health_and_strategy(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, svc in ctx.spec.services.items():
        if svc.health is not None:
            yield from _health(ctx, name, svc)
        if svc.strategy is None:
            continue
        strat = svc.strategy
        path = _svc(name, "strategy")
        if strat.type is not StrategyType.RECREATE and svc.health is None:
            yield ctx.source.diagnostic(
                (*path, "type"),
                f"strategy {strat.type.value} is gated on health",
                "add a `health:` check, or use strategy recreate",
            )
        if strat.type is StrategyType.ROLLING and strat.max_surge == 0 and strat.max_unavailable == 0:
            yield ctx.source.diagnostic(
                path,
                "max_surge and max_unavailable are both 0, so no replica can change",
                "set max_surge: 1 (or max_unavailable: 1)",
            )
        if strat.type is StrategyType.CANARY:
            steps = strat.steps
            if not steps:
                yield ctx.source.diagnostic(path, "canary needs steps", "e.g. steps: [10, 50, 100]")
            elif steps != sorted(set(steps)) or steps[-1] != 100:
                yield ctx.source.diagnostic(
                    (*path, "steps"), f"steps {steps} must rise strictly and end at 100", "e.g. steps: [10, 50, 100]"
                )
        elif strat.steps:
            yield ctx.source.diagnostic((*path, "steps"), "steps only apply to strategy canary")
        yield from _latency(ctx, svc, path)


def _latency(ctx: CheckContext, svc: ServiceSpec, path: SpecPath) -> Iterator[Diagnostic]:
    """``max_latency`` is read from HAProxy's rtime, which only an HTTP backend measures (a TCP one reports 0), in
    whole milliseconds, during a canary's pauses."""
    strat = svc.strategy
    if strat is None or strat.max_latency is None:
        return
    where = (*path, "max_latency")
    if strat.type is not StrategyType.CANARY:
        yield ctx.source.diagnostic(where, "max_latency only applies to strategy canary")
    elif (svc.health is None or svc.health.http is None) and svc.expose is None:
        yield ctx.source.diagnostic(
            where,
            "max_latency needs the proxy in HTTP mode, which measures response times; this service is proxied as TCP",
            "give the service an `http` health check (or an `expose` route), or drop max_latency",
        )
    elif duration_seconds(strat.max_latency) < 0.001:
        yield ctx.source.diagnostic(where, f"max_latency {strat.max_latency} is below 1ms, HAProxy's resolution")


def _health(ctx: CheckContext, name: str, svc: ServiceSpec) -> Iterator[Diagnostic]:
    assert svc.health is not None
    health = svc.health
    path = _svc(name, "health")
    kinds = [k for k in ("http", "tcp", "exec") if getattr(health, k) is not None]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        yield ctx.source.diagnostic(path, f"needs exactly one of http, tcp or exec (found: {found})")
        return
    probe = health.http or health.tcp
    if probe is not None and probe.port is None and not svc.ports:
        yield ctx.source.diagnostic((*path, kinds[0]), "no port to probe", "set port here, or list the service's ports")


def check_shared_host_port(ctx: CheckContext) -> Iterator[Diagnostic]:
    """Without the proxy each replica binds the host port itself, and the engine refuses the second bind (a Swarm
    binds it once per node: ``engine.swarm.placement`` checks that against the cluster's nodes at plan time)."""
    if ctx.spec.proxy.enabled or ctx.spec.target.type is TargetType.SWARM:
        return
    for name, svc in ctx.spec.services.items():
        fixed = [p for p in svc.ports if p.host]
        if svc.replicas > 1 and fixed:
            yield ctx.source.diagnostic(
                _svc(name, "replicas"),
                f"{svc.replicas} replicas cannot all bind host port {fixed[0].host}",
                "set `proxy: {enabled: true}` at the top level so the proxy owns the port, or use 1 replica",
            )


def check_ports(ctx: CheckContext) -> Iterator[Diagnostic]:
    published: dict[tuple[int, str], list[tuple[str, int, str]]] = {}
    for name, svc in ctx.spec.services.items():
        seen: set[tuple[int, str]] = set()
        for i, port in enumerate(svc.ports):
            path = _svc(name, "ports", i)
            if (port.container, port.protocol) in seen:
                yield ctx.source.diagnostic((*path, "container"), f"container port {port.container} is listed twice")
            seen.add((port.container, port.protocol))
            if not _is_ip(port.host_ip):
                yield ctx.source.diagnostic((*path, "host_ip"), f"{port.host_ip!r} is not an IP address")
            if port.host is None:
                continue
            earlier = published.setdefault((port.host, port.protocol), [])
            clash = next(((o, j) for o, j, ip in earlier if _ips_overlap(ip, port.host_ip)), None)
            if clash is not None:
                yield ctx.source.diagnostic(
                    (*path, "host"),
                    f"host port {port.host}/{port.protocol} is also published by services.{clash[0]}.ports[{clash[1]}]",
                    "choose another host port for one of them",
                )
            earlier.append((name, i, port.host_ip))
        if svc.expose is not None:
            ports = [p.container for p in svc.ports]
            want = svc.expose.port
            if want is None and not ports:
                yield ctx.source.diagnostic(
                    _svc(name, "expose"), "the service has no port to route to", "add `ports:` or expose.port"
                )
            elif want is not None and want not in ports:
                yield ctx.source.diagnostic(
                    _svc(name, "expose", "port"), f"{want} is not one of the service's container ports {ports}"
                )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def _ips_overlap(a: str, b: str) -> bool:
    wildcard = {"0.0.0.0", "::"}
    return a == b or a in wildcard or b in wildcard


def check_env_and_secrets(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, svc in ctx.spec.services.items():
        for var, ref in svc.secrets.items():
            path = _svc(name, "secrets", var)
            if var in svc.env:
                yield ctx.source.diagnostic(
                    path, f"{var} is both a plain env value and a secret", "keep it under secrets only", key=True
                )
            if (ref.env is None) == (ref.file is None):
                yield ctx.source.diagnostic(
                    path, "needs exactly one of env or file", "e.g. {env: DB_PASSWORD} or {file: ./secrets/db_password}"
                )
            elif ref.file is not None:
                yield from _inside(ctx, ref.file, False, (*path, "file"), "secret file")


def check_mounts_and_files(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, svc in ctx.spec.services.items():
        targets: dict[str, SpecPath] = {}
        for i, mount in enumerate(svc.volumes):
            path = _svc(name, "volumes", i)
            if (mount.name is None) == (mount.source is None):
                yield ctx.source.diagnostic(path, "needs exactly one of name (a named volume) or source (a bind mount)")
            elif mount.source is not None:
                yield from _inside(ctx, mount.source, mount.allow_outside, (*path, "source"), "bind mount")
            yield from _unique_target(ctx, targets, mount.target, (*path, "target"))
        for i, file in enumerate(svc.files):
            path = _svc(name, "files", i)
            if (file.content is None) == (file.source is None):
                yield ctx.source.diagnostic(path, "needs exactly one of content or source")
            elif file.source is not None:
                yield from _inside(ctx, file.source, False, (*path, "source"), "file source", must_exist=True)
            yield from _unique_target(ctx, targets, file.target, (*path, "target"))


def _unique_target(ctx: CheckContext, seen: dict[str, SpecPath], target: str, path: SpecPath) -> Iterator[Diagnostic]:
    if target in seen:
        yield ctx.source.diagnostic(path, f"{target} is already mounted by {format_path(seen[target])}")
    else:
        seen[target] = path


def check_resources(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, svc in ctx.spec.services.items():
        res = svc.resources
        path = _svc(name, "resources")
        for field, parse in (("cpu", cpu_millicores), ("memory", memory_bytes)):
            values: dict[str, tuple[int, str]] = {}
            for side in ("requests", "limits"):
                text = getattr(getattr(res, side), field)
                if text is None:
                    continue
                try:
                    values[side] = (parse(text), text)
                except ValueError as exc:
                    yield ctx.source.diagnostic((*path, side, field), str(exc))
                    continue
                if values[side][0] == 0:
                    yield ctx.source.diagnostic(
                        (*path, side, field), f"{field} {text!r} is zero", "remove it for no limit"
                    )
            if len(values) == 2 and values["requests"][0] > values["limits"][0] > 0:  # a zero limit is reported above
                yield ctx.source.diagnostic(
                    (*path, "requests", field),
                    f"{field} request {values['requests'][1]} is above its limit {values['limits'][1]}",
                    "lower the request or raise the limit",
                )


def _inside(
    ctx: CheckContext, rel: str, allowed: bool, path: SpecPath, what: str, *, must_exist: bool = False
) -> Iterator[Diagnostic]:
    base = ctx.base_dir.resolve()
    target = (base / rel).resolve()
    if not allowed and target != base and base not in target.parents:
        yield ctx.source.diagnostic(
            path,
            f"{what} {rel!r} is outside the spec's directory",
            "move it under the spec's folder, or set allow_outside: true"
            if what in ("build context", "bind mount")
            else "move it under the spec's folder",
        )
    elif must_exist and not target.exists():
        yield ctx.source.diagnostic(path, f"{what} {rel!r} does not exist")


def _close(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


CHECKS: tuple[Check, ...] = (
    check_names,
    check_image_or_build,
    check_build,
    check_depends_on,
    check_health_and_strategy,
    check_ports,
    check_shared_host_port,
    check_env_and_secrets,
    check_mounts_and_files,
    check_resources,
    check_interpolation_and_home,
)
