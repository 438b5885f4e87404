"""The container config document: what the config hash covers, the summary label, and field-level causes.

Two things are compared to decide whether a container is current (Compose keeps the same split):

* the **config hash** (label ``CONFIG_HASH``), sha256 over the canonical JSON of every input that needs a new
  container when it changes: image reference and build digest, command, entrypoint, working dir, env, secret value
  digests, file content digests, mounts, tmpfs, ports, health check, security settings, init, stop signal and
  timeout, host name, sysctls, network aliases and user labels. The summary of the same document (label
  ``CONFIG``) lets the diff name the field.
* **live values** the engine reports: the image ID the container runs, and the fields ``docker update`` can change
  (cpu, memory, memory reservation, restart policy). These stay out of the hash on purpose: labels are immutable,
  so a hash over them would force a recreate after every in-place update, and comparing live values also catches a
  ``docker update`` made by hand. The image ID is unknown until a pull or build finishes, so a hash over it would
  differ between the plan that creates a container and the next one.

Replicas, depends_on, strategy, revision and slot never reach the container and are in neither.

The image *reference* is in the hash (a changed tag must recreate even before the new image is pulled), but it is
not the image's identity: a container made from ``shipspec-release/shop-web:r6`` runs the same image as one made
from ``busybox:1.36`` when both resolve to one ID. ``hash_with_image`` recomputes the hash with the container's own
reference and build digest, so the diff can tell "only the name of the same image differs" from a real change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.desire.hashing import canonical_json, content_digest, sha256_hex
from engine.desire.types import ContainerSpec, HealthCheck

SHORT = 16  # hex digits of a digest kept in the summary label: enough to tell versions apart, not a full hash


def _health(health: HealthCheck | None) -> dict[str, Any] | None:
    if health is None:
        return None
    return {
        "test": list(health.test),
        "interval_s": health.interval_s,
        "timeout_s": health.timeout_s,
        "retries": health.retries,
        "start_period_s": health.start_period_s,
    }


def config_document(
    spec: ContainerSpec,
    *,
    image_ref: str,
    build_digest: str | None,
    secret_digests: Mapping[str, str],
    user_labels: Mapping[str, str],
    short: bool,
) -> dict[str, Any]:
    """The hashed document; ``short`` trims secret and file digests for the label (the hash uses full ones)."""

    def cut(digest: str) -> str:
        algo, sep, hexpart = digest.rpartition(":")
        return f"{algo}{sep}{hexpart[:SHORT]}" if short else digest

    return {
        "image": image_ref,
        "build": cut(build_digest) if build_digest else None,
        "command": list(spec.command) if spec.command is not None else None,
        "entrypoint": list(spec.entrypoint) if spec.entrypoint is not None else None,
        "working_dir": spec.working_dir,
        "env": dict(spec.env),
        "secret": {var: cut(d) for var, d in secret_digests.items()},
        "file": {f.target: cut(content_digest(f.content)) for f in spec.files},
        "mounts": [_mount_text(m.target, m.volume, m.source, m.read_only) for m in spec.mounts],
        "tmpfs": list(spec.tmpfs),
        "ports": [_port_text(p.container, p.protocol, p.host, p.host_ip) for p in spec.ports],
        "health": _health(spec.health),
        "user": spec.user,
        "read_only": spec.read_only,
        "no_new_privileges": spec.no_new_privileges,
        "cap_drop": list(spec.cap_drop),
        "cap_add": list(spec.cap_add),
        "init": spec.init,
        "stop_timeout_s": spec.stop_timeout_s,
        "network": spec.network,
        "aliases": list(spec.aliases),
        **({"extra_networks": list(spec.extra_networks)} if spec.extra_networks else {}),
        # Only when set, so the hash of every container made before these fields existed stays the same.
        **({"stop_signal": spec.stop_signal} if spec.stop_signal else {}),
        **({"hostname": spec.hostname} if spec.hostname else {}),
        **({"sysctls": dict(spec.sysctls)} if spec.sysctls else {}),
        "label": dict(user_labels),
        # Not hashed (see the module docstring): what `docker update` fields were at creation, to tell a change
        # made by hand from a change of the spec.
        **({"update": update_fields(spec)} if short else {}),
    }


def update_fields(spec: ContainerSpec) -> dict[str, Any]:
    return {
        "nano_cpus": spec.nano_cpus,
        "mem_limit": spec.mem_limit,
        "mem_reservation": spec.mem_reservation,
        "restart": spec.restart,
    }


def _mount_text(target: str, volume: str | None, source: str | None, read_only: bool) -> str:
    return f"{volume or source}:{target}{':ro' if read_only else ''}"


def _port_text(container: int, protocol: str, host: int | None, host_ip: str) -> str:
    inner = f"{container}/{protocol}"
    return f"{host_ip}:{host}->{inner}" if host is not None else inner


def config_hash(document: Mapping[str, Any]) -> str:
    return "sha256:" + sha256_hex(canonical_json(document))


IMAGE_FIELDS = ("image", "build")  # the document's fields that name the image rather than configure the container


def hash_with_image(document: Mapping[str, Any], image_ref: str, build_digest: str | None) -> str:
    """The config hash of ``document`` (a full, unshortened one) made with another image reference and build digest:
    equal to a container's hash exactly when that container differs from the document only in how it named its
    image."""
    return config_hash({**document, "image": image_ref, "build": build_digest or None})


def parse_summary(text: str | None) -> dict[str, Any] | None:
    """The observed summary label, or None when absent or not ours (then only the hash can be compared)."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


_KEYED = ("env", "secret", "file", "label")


def field_causes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Every field that differs between two summaries, in words; secret values are never known, only digests."""
    causes: list[str] = []
    for name in sorted((set(old) | set(new)) - {"update"}):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name in _KEYED and isinstance(before, dict | None) and isinstance(after, dict | None):
            causes.extend(_keyed_causes(name, before or {}, after or {}))
        elif name == "build":
            causes.append(f"build context {_digest(before)} → {_digest(after)}")
        elif name == "image" and old.get("build") != new.get("build") and old.get("build") and new.get("build"):
            continue  # a built image's tag follows its context digest: the build cause says it all
        else:
            causes.append(f"{name} {_show(before)} → {_show(after)}")
    return causes


def _keyed_causes(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        out.append(_keyed_cause(name, key, old.get(key), new.get(key)))
    return out


def _keyed_cause(name: str, key: str, before: object, after: object) -> str:
    if name == "secret":
        state = "added" if before is None else "removed" if after is None else "changed"
        return f"secret {key} {state} (value hidden)"
    if name == "file":
        state = "added" if before is None else "removed" if after is None else "content changed"
        digests = "" if before is None or after is None else f" ({_short(before)} → {_short(after)})"
        return f"file {key} {state}{digests}"
    if before is None:
        return f"{name}.{key} added {_show(after)}"
    if after is None:
        return f"{name}.{key} removed (was {_show(before)})"
    return f"{name}.{key} {_show(before)} → {_show(after)}"


def _digest(value: object) -> str:
    return short_id(str(value)) if value else "none"


def _short(value: object) -> str:
    return f"{str(value)[:8]}…"


def _show(value: object, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value is not None else "none"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_id(image_id: str) -> str:
    """``sha256:ab12cd34ef56…`` as in the plan: algorithm and 12 hex digits."""
    algo, _, hexpart = image_id.partition(":")
    if not hexpart:
        return image_id[:12] + ("…" if len(image_id) > 12 else "")
    return f"{algo}:{hexpart[:12]}…"
