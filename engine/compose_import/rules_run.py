"""Translation rules for how a service runs: image, build, command, environment, secrets, security, restart.

Each rule reads one resolved Compose key of one service and writes spec fields into ``out``, reporting the key as
translated (to which spec path) or dropped (and why). Secret-looking plain values never reach the spec: they become
secret references, and the report names the operator variable to set.
"""

from __future__ import annotations

import re
from typing import Any

from engine.compose_import.context import Ctx
from engine.compose_import.units import looks_secret, operator_variable
from engine.spec.model import DNS_LABEL, ENV_KEY, ENV_NAME, STOP_SIGNAL, SYSCTL

_RESTART = {"no": "no", "always": "always", "unless-stopped": "unless-stopped", "on-failure": "on-failure"}
_VAR_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}$|^\$([A-Za-z_][A-Za-z0-9_]*)$")
_ENV_OK = re.compile(ENV_NAME)
_ENV_KEY_OK = re.compile(ENV_KEY)


def rule_image(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    out["image"] = str(value)
    ctx.ok(("services", name, "image"), _to(ctx, name, "image"))


def rule_build(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    base: tuple[str, ...] = ("services", name, "build")
    context = str(value.get("context", "."))
    if "://" in context or context.startswith("git@"):
        ctx.drop(base, "a remote build context (git URL) cannot be checked into the spec's tree; clone it beside "
                 "the spec and point build.context at it")
        return
    rel, outside = ctx.relative(context)
    build: dict[str, Any] = {"context": rel, "runtime": "dockerfile"}
    ctx.ok((*base, "context"), _to(ctx, name, "build", "context"), "runtime: dockerfile (your own Dockerfile)")
    dockerfile = value.get("dockerfile")
    if dockerfile:
        build["dockerfile"] = str(dockerfile)
        ctx.ok((*base, "dockerfile"), _to(ctx, name, "build", "dockerfile"))
    if outside:
        build["allow_outside"] = True
        ctx.change((*base, "context"), f"the build context {rel} lies outside the spec's directory: "
                   "build.allow_outside: true says so explicitly")
    if value.get("target"):
        build["target"] = str(value["target"])
        ctx.ok((*base, "target"), _to(ctx, name, "build", "target"))
    _build_args(ctx, name, value.get("args") or {}, build)
    for key in sorted(set(value) - {"context", "dockerfile", "target", "args"}):
        ctx.drop((*base, key), f"the spec has no build.{key}")
    out["build"] = build


def _build_args(ctx: Ctx, name: str, args: dict[str, Any], build: dict[str, Any]) -> None:
    """Non-secret build arguments only: a build argument stays readable in the image's history."""
    kept: dict[str, str] = {}
    for key in sorted(args):
        cpath = ("services", name, "build", "args", key)
        val = args[key]
        if val is None or not _ENV_OK.match(key):
            ctx.drop(cpath, "no value (Compose passes the caller's variable only when set)" if val is None else
                     f"{key!r} is not a build argument name the spec accepts")
        elif looks_secret(key, str(val)):
            ctx.drop(cpath, "a secret-looking build argument would stay readable in the image's history; pass it "
                     "at run time under secrets")
        else:
            kept[key] = str(val)
            ctx.ok(cpath, _to(ctx, name, "build", "args", key))
    if kept:
        build["args"] = kept


def rule_args_list(field: str) -> Any:
    def rule(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
        if value is None:
            return
        out[field] = [str(v) for v in value]
        ctx.ok(("services", name, field), _to(ctx, name, field), "exec form, as Compose split it")

    return rule


def rule_working_dir(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    out["working_dir"] = str(value)
    ctx.ok(("services", name, "working_dir"), _to(ctx, name, "working_dir"))


def rule_environment(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    env: dict[str, str] = {}
    secrets: dict[str, Any] = dict(out.get("secrets", {}))
    file_vars = {f"{var}_FILE" for var in secrets}
    for key in sorted(value):
        cpath = ("services", name, "environment", key)
        val = value[key]
        if key in file_vars:
            ctx.ok(cpath, _to(ctx, name, "secrets", key.removesuffix("_FILE")),
                   f"shipspec sets {key} itself, to the secret's file /run/secrets/{key.removesuffix('_FILE')}")
            continue
        if not _ENV_KEY_OK.fullmatch(key):
            ctx.drop(cpath, f"{key!r} is not an environment variable name Kubernetes accepts (letters, digits, "
                     "'_', '.' and '-', not starting with a digit)")
            continue
        raw = ctx.raw(cpath)
        if looks_secret(key, None if val is None else str(val)):
            if not _ENV_OK.fullmatch(key):
                ctx.drop(cpath, f"a secret-looking value under {key!r}, which is not a name a secret reference takes "
                         "(letters, digits and '_'): the value stays out of the spec; add it under secrets by hand")
                continue
            var = _operator_var(ctx, name, key, raw)
            secrets[key] = {"env": var}
            ctx.ok(cpath, _to(ctx, name, "secrets", key), f"secret-looking value: read from ${var} at apply time")
            ctx.report.operator[var] = f"secret {key} of service {ctx.names[name]}"
            continue
        if val is None:
            ctx.drop(cpath, "no value: Compose passes the caller's variable through only when it is set; write the "
                     "value under env, or use secrets with {env: VAR}")
            continue
        env[key] = str(val)
        why = f"interpolated by Compose from {raw!r} at import time" if raw and "$" in raw else ""
        ctx.ok(cpath, _to(ctx, name, "env", key), why)
    if env:
        out["env"] = env
    if secrets:
        out["secrets"] = secrets


def _operator_var(ctx: Ctx, name: str, key: str, raw: str | None) -> str:
    """The variable the file already read (``${DB_PW}``), else one named after app, service and key."""
    found = _VAR_REF.match(raw.strip()) if raw else None
    if found:
        return found.group(1) or found.group(2)
    return operator_variable(ctx.app, ctx.names[name], key)


def rule_restart(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    text = str(value)
    policy, _, count = text.partition(":")
    cpath = ("services", name, "restart")
    if policy not in _RESTART:
        ctx.drop(cpath, f"unknown restart policy {text!r}")
        return
    out["restart"] = _RESTART[policy]
    ctx.ok(cpath, _to(ctx, name, "restart"))
    if count:
        ctx.change(cpath, f"on-failure without the retry limit {count}: the spec restarts on failure without limit")


def rule_user(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    out.setdefault("security", {})["user"] = str(value)
    ctx.ok(("services", name, "user"), _to(ctx, name, "security", "user"))


def rule_caps(field: str) -> Any:
    def rule(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
        caps = [str(c).upper().removeprefix("CAP_") for c in value]
        out.setdefault("security", {})[field] = caps
        ctx.ok(("services", name, field), _to(ctx, name, "security", field))

    return rule


def rule_read_only(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    out.setdefault("security", {})["read_only_root"] = bool(value)
    ctx.ok(("services", name, "read_only"), _to(ctx, name, "security", "read_only_root"))


def rule_security_opt(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    for i, opt in enumerate(value):
        cpath = ("services", name, "security_opt", i)
        text = str(opt).replace("=", ":")
        if text in ("no-new-privileges", "no-new-privileges:true"):
            ctx.ok(cpath, _to(ctx, name, "security", "no_new_privileges"), "the spec's default")
        else:
            ctx.drop(cpath, f"{opt!r}: the spec sets no other security options (seccomp/apparmor profiles stay "
                     "Docker's defaults)")


def rule_labels(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    labels = {}
    for key in sorted(value):
        if key.startswith("com.docker.compose."):
            ctx.drop(("services", name, "labels", key), "Compose's own label: shipspec sets its own")
            continue
        labels[key] = str(value[key])
        ctx.ok(("services", name, "labels", key), _to(ctx, name, "labels", key))
    if labels:
        out["labels"] = labels


def rule_stop_grace(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    out["stop_grace_period"] = str(value)
    ctx.ok(("services", name, "stop_grace_period"), _to(ctx, name, "stop_grace_period"))


def rule_stop_signal(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    text = str(value).upper()
    signal = text if text.startswith("SIG") else f"SIG{text}"
    cpath = ("services", name, "stop_signal")
    if not re.fullmatch(STOP_SIGNAL, signal):
        ctx.drop(cpath, f"{value!r} is not a signal name the spec accepts (e.g. SIGINT, SIGQUIT)")
        return
    out["stop_signal"] = signal
    ctx.ok(cpath, _to(ctx, name, "stop_signal"), "the Kubernetes target is not rendered with it (STOPSIGNAL in the "
           "Dockerfile is what Kubernetes sends)")


def rule_hostname(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    cpath = ("services", name, "hostname")
    text = str(value)
    if not re.fullmatch(DNS_LABEL, text) or len(text) > 63:
        ctx.drop(cpath, f"{text!r} is not a host name every target accepts (a lowercase DNS label, as a pod's "
                 "spec.hostname must be)")
        return
    out["hostname"] = text
    ctx.ok(cpath, _to(ctx, name, "hostname"))


def rule_sysctls(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    items = dict(value) if isinstance(value, dict) else dict(str(v).partition("=")[::2] for v in value)
    kept: dict[str, str] = {}
    for key in sorted(items):
        cpath = ("services", name, "sysctls", key)
        if not re.fullmatch(SYSCTL, key):
            ctx.drop(cpath, f"{key!r} is not a namespaced sysctl (net.*, kernel.shm*, kernel.msg*, kernel.sem, "
                     "fs.mqueue.*): it would change the whole host")
            continue
        kept[key] = str(items[key])
        ctx.ok(cpath, _to(ctx, name, "sysctls", key))
    if kept:
        out["sysctls"] = kept


def rule_init(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    cpath = ("services", name, "init")
    out["init"] = bool(value)
    ctx.ok(cpath, _to(ctx, name, "init"), "" if value else "Docker's init stays off (images such as s6-overlay "
           "bring their own)")


def _to(ctx: Ctx, name: str, *rest: str) -> tuple[str, ...]:
    return ("services", ctx.names[name], *rest)
