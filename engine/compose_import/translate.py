"""Compose's resolved model → spec data, with an entry in the report for every Compose key.

Rules per service key live in ``rules_*``; keys with no spec form are dropped with the reason in ``DROPPED``.
Afterwards every key written in the source files that no rule reported (``version``, ``x-`` fields, ``extends``,
``env_file``, services outside the active profiles) is reported from the positions, so nothing goes unmentioned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.compose_import import rules_ports as ports
from engine.compose_import import rules_run as run
from engine.compose_import import rules_storage as storage
from engine.compose_import.context import Ctx
from engine.compose_import.units import cpu_quantity, dns_label, memory_quantity
from engine.spec.security import BASELINE_ADD, SAFE_SYSCTLS
from engine.spec.source import SpecPath, format_path

Rule = Callable[[Ctx, str, Any, dict[str, Any]], None]

RULES: dict[str, Rule] = {
    "image": run.rule_image,
    "build": run.rule_build,
    "command": run.rule_args_list("command"),
    "entrypoint": run.rule_args_list("entrypoint"),
    "working_dir": run.rule_working_dir,
    "secrets": storage.rule_secrets,
    "environment": run.rule_environment,
    "restart": run.rule_restart,
    "user": run.rule_user,
    "cap_add": run.rule_caps("cap_add"),
    "cap_drop": run.rule_caps("cap_drop"),
    "read_only": run.rule_read_only,
    "security_opt": run.rule_security_opt,
    "labels": run.rule_labels,
    "stop_grace_period": run.rule_stop_grace,
    "stop_signal": run.rule_stop_signal,
    "hostname": run.rule_hostname,
    "sysctls": run.rule_sysctls,
    "init": run.rule_init,
    "ports": ports.rule_ports,
    "expose": ports.rule_expose,
    "healthcheck": ports.rule_healthcheck,
    "depends_on": ports.rule_depends_on,
    "deploy": ports.rule_deploy,
    "volumes": storage.rule_volumes,
    "tmpfs": storage.rule_tmpfs,
    "configs": storage.rule_configs,
    "networks": storage.rule_networks,
}

DROPPED = {
    "container_name": "shipspec names containers itself: replicas and rollouts run old and new side by side, so one "
    "fixed name cannot work; other services already reach this one by its service name on the app network",
    "platform": "shipspec builds and pulls for the engine's own platform",
    "runtime": "choosing an OCI runtime (e.g. nvidia) has no spec form",
    "network_mode": "shared network namespaces have no spec form; services talk over the app network",
    "stdin_open": "an interactive stdin has no place in a deployed service",
    "tty": "a terminal has no place in a deployed service",
    "privileged": "the spec never runs privileged containers; add only the capabilities needed (security.cap_add)",
    "devices": "host devices have no spec form",
    "dns": "the spec keeps Docker's DNS (service names resolve on the app network)",
    "dns_search": "the spec keeps Docker's DNS",
    "extra_hosts": "the spec has no extra /etc/hosts entries",
    "links": "not needed: service names resolve on the app network",
    "external_links": "containers outside the app are not reachable by name",
    "logging": "the spec keeps the engine's logging driver",
    "ulimits": "the spec has no ulimits",
    "shm_size": "the spec has no shm_size",
    "ipc": "shared IPC namespaces have no spec form",
    "pid": "shared PID namespaces have no spec form",
    "pull_policy": "shipspec pulls an image when the engine lacks it",
    "volumes_from": "list the volumes themselves under volumes",
    "profiles": "Compose selected the service by its profiles; the spec has every service it lists",
}


def service_names(model: dict[str, Any]) -> dict[str, str]:
    """Compose names → DNS labels; a clash gets a numeric suffix (reported by the caller)."""
    out: dict[str, str] = {}
    for name in sorted(model.get("services") or {}):
        label = dns_label(name)
        candidate, n = label, 2
        while candidate in out.values():
            candidate, n = f"{label}-{n}", n + 1
        out[name] = candidate
    return out


def translate(ctx: Ctx) -> dict[str, Any]:
    """The spec document (plain data) for the model in ``ctx``; the report fills as it goes."""
    doc: dict[str, Any] = {"version": 1, "name": ctx.app}
    if ("name",) in ctx.positions.at:
        ctx.ok(("name",), ("name",))
    services: dict[str, Any] = {}
    for name in sorted(ctx.model.get("services") or {}):
        if ctx.names[name] != name:
            ctx.change(("services", name), f"service {name!r} is named {ctx.names[name]!r} (a DNS label)")
        services[ctx.names[name]] = _service(ctx, name, ctx.model["services"][name])
    doc["services"] = services
    _top_level(ctx)
    _uncovered(ctx)
    return doc


def _service(ctx: Ctx, name: str, svc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in [*[k for k in RULES if k in svc], *sorted(k for k in svc if k not in RULES)]:
        value = svc[key]
        cpath: SpecPath = ("services", name, key)
        if value is None and cpath not in ctx.positions.at:
            continue  # Compose prints command/entrypoint: null for every service
        if key in RULES:
            RULES[key](ctx, name, value, out)
        elif key in ("mem_limit", "mem_reservation", "cpus", "scale"):
            _legacy_resource(ctx, name, key, value, out)
        else:
            ctx.drop(cpath, DROPPED.get(key, f"{key} has no spec form"))
    _defaults(ctx, name, svc, out)
    return out


def _legacy_resource(ctx: Ctx, name: str, key: str, value: Any, out: dict[str, Any]) -> None:
    cpath = ("services", name, key)
    if key == "scale":
        out["replicas"] = int(value)
        ctx.ok(cpath, ("services", ctx.names[name], "replicas"))
        return
    side = "requests" if key == "mem_reservation" else "limits"
    field = "cpu" if key == "cpus" else "memory"
    converted = cpu_quantity(value) if key == "cpus" else memory_quantity(value)
    if converted is None:
        ctx.drop(cpath, f"{value!r} is not a quantity the spec can hold")
        return
    out.setdefault("resources", {}).setdefault(side, {}).setdefault(field, converted)
    ctx.ok(cpath, ("services", ctx.names[name], "resources", side, field))


def _defaults(ctx: Ctx, name: str, svc: dict[str, Any], out: dict[str, Any]) -> None:
    """Run as Compose ran it (root, writable root file system, Docker's capabilities), and say where the spec's own
    defaults still differ."""
    where: SpecPath = ("services", name)
    security = out.setdefault("security", {})
    if "user" not in security:
        security["run_as_root"] = True
    security.setdefault("read_only_root", False)
    security.setdefault("cap_drop", [])
    beyond = sorted(set(security.get("cap_add", [])) - BASELINE_ADD)
    unsafe = sorted(set(out.get("sysctls", {})) - SAFE_SYSCTLS)
    if (beyond or unsafe) and "level" not in security:
        security["level"] = "privileged"
        what = f"adds {', '.join(beyond)}" if beyond else f"sets the sysctls {', '.join(unsafe)}"
        ctx.change(where, f"security.level: privileged, since it {what}, which the baseline level does not allow")
    ctx.change(where, "runs as Compose ran it: " + ", ".join(_loosened(svc)) + "; the spec's hardened defaults "
               "(non-root, read-only root, no capabilities) are the safer choice once the image allows them")
    ctx.change(where, "no-new-privileges is on (Compose: off): setuid binaries such as sudo cannot raise privileges")
    if "restart" not in out:
        ctx.change(where, "restart: unless-stopped, the spec's default (Compose: no restart)")
    if "init" not in svc:
        ctx.change(where, "runs under Docker's init as PID 1 (Compose: only with init: true)")


def _loosened(svc: dict[str, Any]) -> list[str]:
    out = []
    if "user" not in svc:
        out.append("as root")
    if not svc.get("read_only"):
        out.append("with a writable root file system")
    if "cap_drop" not in svc:
        out.append("with Docker's default capabilities")
    return out or ["hardened as written"]


def _top_level(ctx: Ctx) -> None:
    for net, opts in sorted((ctx.model.get("networks") or {}).items()):
        path: SpecPath = ("networks", net)
        if (opts or {}).get("external"):
            ctx.drop(path, "an external network is not adopted: shipspec creates the app's own network")
        elif path in ctx.positions.at:
            ctx.resolved(path, "shipspec creates one network per app")
        extra = set(opts or {}) - {"name", "ipam", "external"}
        if (opts or {}).get("ipam"):
            extra.add("ipam")
        for key in sorted(extra):
            ctx.drop((*path, key), f"networks.{key}: shipspec's app network takes Docker's defaults")
    for vol, opts in sorted((ctx.model.get("volumes") or {}).items()):
        path = ("volumes", vol)
        if (opts or {}).get("external"):
            ctx.drop(path, "an external volume is not adopted: shipspec creates and keeps the app's own volumes")
        else:
            ctx.resolved(path, "declared; the services' volumes name it")
        for key in sorted(set(opts or {}) - {"name", "external"}):
            ctx.drop((*path, key), f"volumes.{key}: shipspec creates local volumes with Docker's defaults")
    for section in ("secrets", "configs"):
        for item in sorted(ctx.model.get(section) or {}):
            ctx.resolved((section, item), f"read through the services that use it ({section[:-1]} source)")


_SOURCE_ONLY = {
    "version": "obsolete in the Compose Specification; Compose ignores it",
    "extends": "Compose merged the extended service in",
    "env_file": "Compose read the file into environment",
    "profiles": "Compose selected the service by its profiles",
    "include": "Compose merged the included files in",
}


def _uncovered(ctx: Ctx) -> None:
    reported = [e.key for e in ctx.report.entries]
    services = ctx.model.get("services") or {}
    for path in sorted(ctx.positions.at, key=lambda p: (ctx.positions.at[p].file, ctx.positions.at[p].line)):
        if not _reportable(path):
            continue
        text = format_path(path)
        if any(k == text or k.startswith((text + ".", text + "[")) or text.startswith(k + ".") for k in reported):
            continue
        key = str(path[-1])
        if path[0] == "services" and len(path) == 2 and path[1] not in services:
            ctx.drop(path, "not in the active profiles (pass --profile to include it)")
        elif key.startswith("x-"):
            ctx.resolved(path, "an extension field: Compose used it through YAML anchors")
        else:
            ctx.resolved(path, _SOURCE_ONLY.get(key, "merged by Compose"))
        reported.append(text)


def _reportable(path: SpecPath) -> bool:
    if len(path) == 1:
        return True
    if path[0] == "services":
        return len(path) in (2, 3) and isinstance(path[-1], str)
    return False
