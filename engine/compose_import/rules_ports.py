"""Translation rules for ports, expose, health checks, dependencies and deploy (replicas, resources).

Choices that change behaviour are reported, not hidden: a published port without ``host_ip`` moves to 127.0.0.1
(the spec publishes on loopback unless told otherwise), a port Compose would publish on a random host port stays
internal, and Compose's health-check defaults (30 s interval and timeout) are written out because the spec's
defaults differ.
"""

from __future__ import annotations

from typing import Any

from engine.compose_import.context import Ctx
from engine.compose_import.units import cpu_quantity, memory_quantity

_CONDITIONS = {
    "service_started": "started",
    "service_healthy": "healthy",
    "service_completed_successfully": "completed",
}
_DEPLOY_RESTART = {"none": "no", "on-failure": "on-failure", "any": "always"}


def rule_ports(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    ports: list[dict[str, Any]] = out.setdefault("ports", [])
    for i, port in enumerate(value):
        cpath = ("services", name, "ports", i)
        published = str(port.get("published", ""))
        entry: dict[str, Any] = {"container": int(port["target"])}
        if port.get("protocol", "tcp") != "tcp":
            entry["protocol"] = str(port["protocol"])
        if "-" in published:
            ctx.drop(cpath, f"a host port range ({published}) has no spec form; list each port")
            continue
        if published:
            entry["host"] = int(published)
            host_ip = port.get("host_ip")
            if host_ip:
                entry["host_ip"] = str(host_ip)
            else:
                entry["host_ip"] = "127.0.0.1"
                ctx.change(cpath, f"host port {published} is published on 127.0.0.1 only (Compose: every "
                           "interface); write host_ip: 0.0.0.0 to serve other machines")
        else:
            ctx.change(cpath, f"container port {entry['container']} stays internal (Compose would publish it on "
                       "a random host port)")
        ctx.ok(cpath, ("services", ctx.names[name], "ports", len(ports)))
        ports.append(entry)


def rule_expose(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    ports: list[dict[str, Any]] = out.setdefault("ports", [])
    for i, item in enumerate(value):
        cpath = ("services", name, "expose", i)
        number, _, protocol = str(item).partition("/")
        if "-" in number:
            ctx.drop(cpath, f"a port range ({item}) has no spec form; list each port")
            continue
        protocol = protocol or "tcp"
        if any(p["container"] == int(number) and p.get("protocol", "tcp") == protocol for p in ports):
            ctx.ok(cpath, ("services", ctx.names[name], "ports"), "already listed as a port")
            continue
        entry: dict[str, Any] = {"container": int(number)}
        if protocol != "tcp":
            entry["protocol"] = protocol
        ctx.ok(cpath, ("services", ctx.names[name], "ports", len(ports)), "an internal port (no host)")
        ports.append(entry)


def rule_healthcheck(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    base = ("services", name, "healthcheck")
    to = ("services", ctx.names[name], "health")
    test = [str(t) for t in value.get("test") or []]
    if value.get("disable") or (test and test[0] == "NONE"):
        ctx.drop(base, "disables the image's health check; the spec runs only the checks it names")
        return
    if not test:
        ctx.drop(base, "no test")
        return
    command = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", " ".join(test[1:])]
    if test[0] not in ("CMD", "CMD-SHELL"):
        command = ["/bin/sh", "-c", " ".join(test)]
    health: dict[str, Any] = {"exec": command}
    ctx.ok((*base, "test"), (*to, "exec"), "CMD-SHELL runs under /bin/sh -c" if test[0] != "CMD" else "")
    for key, default in (("interval", "30s"), ("timeout", "30s"), ("retries", 3), ("start_period", "0s")):
        if key in value:
            health[key] = value[key] if key == "retries" else str(value[key])
            ctx.ok((*base, key), (*to, key))
        else:
            health[key] = default
    for key in sorted(set(value) - {"test", "interval", "timeout", "retries", "start_period", "disable"}):
        ctx.drop((*base, key), f"the spec has no health.{key}")
    out["health"] = health


def rule_depends_on(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    deps: dict[str, str] = {}
    for target in sorted(value):
        cpath = ("services", name, "depends_on", target)
        item = value[target] or {}
        if target not in ctx.names:
            ctx.drop(cpath, f"service {target!r} is not in the resolved model (an inactive profile?)")
            continue
        deps[ctx.names[target]] = _CONDITIONS.get(str(item.get("condition", "service_started")), "started")
        ctx.ok(cpath, ("services", ctx.names[name], "depends_on", ctx.names[target]))
        if item.get("required") is False:
            ctx.change(cpath, "required: false is not kept: the spec always waits for its dependencies")
        if item.get("restart"):
            ctx.change(cpath, "restart: true is not kept: the spec does not restart dependents")
    if deps:
        out["depends_on"] = deps


def rule_deploy(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    base = ("services", name, "deploy")
    to = ("services", ctx.names[name])
    for key in sorted(value):
        item = value[key]
        if key == "replicas":
            out["replicas"] = int(item)
            ctx.ok((*base, key), (*to, "replicas"))
        elif key == "resources":
            _resources(ctx, name, item, out)
        elif key == "restart_policy" and str(item.get("condition", "any")) in _DEPLOY_RESTART:
            out["restart"] = _DEPLOY_RESTART[str(item.get("condition", "any"))]
            ctx.ok((*base, key), (*to, "restart"), "condition only; delay, attempts and window are Swarm's")
        elif key == "placement" and not item:
            continue
        else:
            ctx.drop((*base, key), f"deploy.{key} is Swarm's; a single-host deploy has no equivalent")


def _resources(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    base = ("services", name, "deploy", "resources")
    resources: dict[str, Any] = {}
    for side, spec_side in (("limits", "limits"), ("reservations", "requests")):
        for key, item in sorted((value.get(side) or {}).items()):
            cpath = (*base, side, key)
            converted = cpu_quantity(item) if key == "cpus" else memory_quantity(item) if key == "memory" else None
            if converted is None:
                ctx.drop(cpath, f"{side}.{key} has no spec form" if key not in ("cpus", "memory") else
                         f"{item!r} is not a quantity the spec can hold")
                continue
            field = "cpu" if key == "cpus" else "memory"
            resources.setdefault(spec_side, {})[field] = converted
            ctx.ok(cpath, ("services", ctx.names[name], "resources", spec_side, field),
                   "binary units (Compose's 1.5G is 1536Mi)" if key == "memory" else "")
    if resources:
        out["resources"] = resources
