"""Translation rules for storage and wiring: volumes, tmpfs, secrets, configs and networks.

An anonymous volume (``- /app/node_modules``) becomes a named volume ``<service>-<path>``: Compose keeps an
anonymous volume across re-creations of the container too, so a named one is the closest spec form; the report
says so. Secrets that the image reads through a ``*_FILE`` variable become spec secrets of that variable.
"""

from __future__ import annotations

import re
from typing import Any

from engine.compose_import.context import Ctx
from engine.compose_import.units import dns_label


def rule_volumes(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    mounts: list[dict[str, Any]] = out.setdefault("volumes", [])
    for i, item in enumerate(value):
        cpath = ("services", name, "volumes", i)
        kind = str(item.get("type", "volume"))
        target = str(item["target"])
        if kind == "tmpfs":
            out.setdefault("tmpfs", []).append(target)
            ctx.ok(cpath, ("services", ctx.names[name], "tmpfs"))
            continue
        if kind == "volume":
            mount = _named(ctx, name, cpath, item)
        elif kind == "bind":
            mount = _bind(ctx, cpath, item)
        else:
            ctx.drop(cpath, f"a {kind} mount has no spec form")
            continue
        mount["target"] = target
        if item.get("read_only"):
            mount["read_only"] = True
        for extra in sorted(set(item.get("bind") or {}) - {"create_host_path"}):
            ctx.drop((*cpath, "bind", extra), f"bind.{extra} has no spec form")
        ctx.ok(cpath, ("services", ctx.names[name], "volumes", len(mounts)))
        mounts.append(mount)
    if not mounts:
        out.pop("volumes")


def _named(ctx: Ctx, name: str, cpath: tuple[str | int, ...], item: dict[str, Any]) -> dict[str, Any]:
    source = item.get("source")
    if not source:
        volume = dns_label(f"{ctx.names[name]}-{item['target']}")
        ctx.change(cpath, f"the anonymous volume at {item['target']} becomes the named volume {volume} (kept "
                   "across updates, as Compose keeps it across re-creations; shared by the service's replicas)")
        return {"name": volume}
    volume = dns_label(str(source))
    if volume != source:
        ctx.change(cpath, f"volume {source!r} is named {volume!r} in the spec (names are DNS labels): an existing "
                   "Compose volume's data is not reused")
    return {"name": volume}


def _bind(ctx: Ctx, cpath: tuple[str | int, ...], item: dict[str, Any]) -> dict[str, Any]:
    rel, outside = ctx.relative(str(item["source"]))
    raw = ctx.raw(cpath) or ""
    mount: dict[str, Any] = {"source": rel}
    if raw.startswith("~"):
        ctx.change(cpath, f"`~` was expanded to the importing user's home: the spec holds {rel}")
    if outside:
        mount["allow_outside"] = True
        ctx.change(cpath, f"bind source {item['source']} lies outside the spec's directory: allow_outside: true")
    return mount


def rule_tmpfs(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    tmpfs = out.setdefault("tmpfs", [])
    for i, item in enumerate(value):
        path = str(item).split(":", 1)[0]
        tmpfs.append(path)
        ctx.ok(("services", name, "tmpfs", i), ("services", ctx.names[name], "tmpfs"),
               "mount options are not kept" if ":" in str(item) else "")


def secret_bindings(service: dict[str, Any]) -> dict[str, str]:
    """Secret name -> the ``*_FILE`` variable that points the image at its mounted file."""
    env = service.get("environment") or {}
    out = {}
    for ref in service.get("secrets") or []:
        target = str(ref.get("target") or f"/run/secrets/{ref['source']}")
        if not target.startswith("/"):
            target = f"/run/secrets/{target}"
        for key, val in sorted(env.items()):
            if key.endswith("_FILE") and val == target and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
                out[str(ref["source"])] = key
                break
    return out


def rule_secrets(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    bindings = secret_bindings(ctx.model["services"][name])
    secrets = out.setdefault("secrets", {})
    for i, ref in enumerate(value):
        cpath = ("services", name, "secrets", i)
        source = str(ref["source"])
        spec_ref = _secret_source(ctx, source)
        file_var = bindings.get(source)
        if spec_ref is None:
            ctx.drop(cpath, f"secret {source!r} has no file or environment source the spec can read")
        elif file_var is None:
            ctx.drop(cpath, f"secret {source!r} is mounted at {ref.get('target')} but no *_FILE variable points the "
                     "image at it: the spec mounts a secret as /run/secrets/<VAR> with <VAR>_FILE")
        else:
            var = file_var.removesuffix("_FILE")
            secrets[var] = spec_ref
            ctx.ok(cpath, ("services", ctx.names[name], "secrets", var),
                   f"mounted at /run/secrets/{var}; shipspec sets {file_var} to that path")
    if not secrets:
        out.pop("secrets")


def _secret_source(ctx: Ctx, source: str) -> dict[str, str] | None:
    top = (ctx.model.get("secrets") or {}).get(source) or {}
    if top.get("file"):
        return {"file": ctx.relative(str(top["file"]))[0]}
    if top.get("environment"):
        return {"env": str(top["environment"])}
    return None


def rule_configs(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    files = out.setdefault("files", [])
    for i, ref in enumerate(value):
        cpath = ("services", name, "configs", i)
        source = str(ref["source"])
        top = (ctx.model.get("configs") or {}).get(source) or {}
        target = str(ref.get("target") or f"/{source}")
        if top.get("file"):
            files.append({"target": target, "source": ctx.relative(str(top["file"]))[0]})
        elif "content" in top:
            files.append({"target": target, "content": str(top["content"])})
        else:
            ctx.drop(cpath, f"config {source!r} has no file or content the spec can hold")
            continue
        ctx.ok(cpath, ("services", ctx.names[name], "files", len(files) - 1))
    if not files:
        out.pop("files")


def rule_networks(ctx: Ctx, name: str, value: Any, out: dict[str, Any]) -> None:
    everyone = {frozenset(s.get("networks") or {"default": None}) for s in ctx.model["services"].values()}
    for net in sorted(value):
        cpath = ("services", name, "networks", net)
        opts = value[net] or {}
        if len(everyone) == 1:
            ctx.ok(cpath, ("services", ctx.names[name]), "every service shares the app's one network")
        else:
            ctx.drop(cpath, "services here do not all share the same networks; the spec puts every service on one "
                     "app network (no isolation between them)")
        for key in sorted(opts):
            ctx.drop((*cpath, key), f"networks.{key} has no spec form")
