"""Kubernetes pod templates: containers, probes, resources, volumes and the security context of each level.

Kubernetes expands ``$(VAR)`` in a container's ``command`` and ``args`` (``$$`` is a literal ``$``), so those are
written with every ``$`` doubled; env values come from a ConfigMap through ``envFrom``, which is never expanded.
Secrets are ``secretKeyRef``s to one Secret per app that the operator creates: the manifests never hold a value.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from engine.render.context import RenderContext, probe_port, seconds
from engine.render.limits import TargetCannotExpress
from engine.spec.derived import port_name, secret_key
from engine.spec.model import SecurityLevel, ServiceSpec
from engine.spec.quantity import duration_seconds
from engine.spec.security import Security, resolve

CONFIG_HASH = "shipspec.dev/config-hash"


def k8s_escape(text: str) -> str:
    return text.replace("$", "$$")


def secret_object_name(ctx: RenderContext) -> str:
    return f"{ctx.spec.name}-secrets"


def uid_gid(user: str | None) -> tuple[int | None, int | None]:
    if user is None:
        return None, None
    uid, _, gid = user.partition(":")
    return (int(uid) if uid.isdigit() else None), (int(gid) if gid.isdigit() else None)


def config_hash(svc: ServiceSpec) -> str:
    """Changes when env or file content changes, so a new ConfigMap rolls the pods (they read it only at start)."""
    data = {"env": svc.env, "files": [f.model_dump() for f in svc.files]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def pod_spec(ctx: RenderContext, name: str, svc: ServiceSpec) -> dict[str, Any]:
    sec = resolve(ctx.spec, svc)
    security = _identity(sec)
    uid, gid = uid_gid(sec.user)
    if gid is not None or uid is not None:
        security["fsGroup"] = gid if gid is not None else uid  # volumes are group-writable for the service's user
    if sec.level is not SecurityLevel.PRIVILEGED:
        security["seccompProfile"] = {"type": "RuntimeDefault"}
    if svc.sysctls:
        security["sysctls"] = [{"name": k, "value": svc.sysctls[k]} for k in sorted(svc.sysctls)]
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": security,
        "terminationGracePeriodSeconds": seconds(svc.stop_grace_period),
        "containers": [_container(ctx, name, svc)],
    }
    if svc.hostname is not None:
        spec["hostname"] = svc.hostname
    volumes = _volumes(name, svc)
    if volumes:
        spec["volumes"] = volumes
    return spec


def _container(ctx: RenderContext, name: str, svc: ServiceSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "image": ctx.image(name), "imagePullPolicy": "Always"}
    if svc.entrypoint is not None:
        out["command"] = [k8s_escape(a) for a in svc.entrypoint]
    if svc.command is not None:
        out["args"] = [k8s_escape(a) for a in svc.command]
    if svc.working_dir is not None:
        out["workingDir"] = svc.working_dir
    if svc.ports:
        out["ports"] = [
            {"name": port_name(p.name, p.protocol, p.container), "containerPort": p.container,
             "protocol": p.protocol.upper()}
            for p in svc.ports
        ]
    if svc.env:
        out["envFrom"] = [{"configMapRef": {"name": f"{name}-env"}}]
    if svc.secrets:
        out["env"] = [
            {"name": var, "valueFrom": {"secretKeyRef": {"name": secret_object_name(ctx),
                                                         "key": secret_key(svc.secrets[var])}}}
            for var in sorted(svc.secrets)
        ]
    resources = _resources(svc)
    if resources:
        out["resources"] = resources
    if svc.health is not None:
        out.update(_probes(svc))
    out["securityContext"] = _container_security(resolve(ctx.spec, svc))
    mounts = _mounts(svc)
    if mounts:
        out["volumeMounts"] = mounts
    return out


def _resources(svc: ServiceSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for side in ("requests", "limits"):
        q = getattr(svc.resources, side)
        entry = {k: v for k, v in (("cpu", q.cpu), ("memory", q.memory)) if v is not None}
        if entry:
            out[side] = entry
    return out


def _probes(svc: ServiceSpec) -> dict[str, Any]:
    health = svc.health
    assert health is not None
    if health.exec is not None:
        action: dict[str, Any] = {"exec": {"command": list(health.exec)}}
    elif health.http is not None:
        action = {"httpGet": {"path": health.http.path, "port": probe_port(svc)}}
    else:
        action = {"tcpSocket": {"port": probe_port(svc)}}
    period = seconds(health.interval)
    timing = {"periodSeconds": period, "timeoutSeconds": seconds(health.timeout), "failureThreshold": health.retries}
    # The start period becomes a startup probe that tolerates failures for that long, then hands over to liveness.
    startup = math.ceil(duration_seconds(health.start_period) / period) + health.retries
    return {
        "startupProbe": {**action, **timing, "failureThreshold": startup},
        "readinessProbe": {**action, **timing},
        "livenessProbe": {**action, **timing},
    }


def _identity(sec: Security) -> dict[str, Any]:
    """runAsNonRoot at restricted; runAsUser/runAsGroup whenever the uid is known (validated numeric here)."""
    out: dict[str, Any] = {"runAsNonRoot": True} if sec.non_root else {}
    uid, gid = uid_gid(sec.user)
    if uid is not None:
        out["runAsUser"] = uid
        if uid == 0:
            out.pop("runAsNonRoot", None)
    if gid is not None:
        out["runAsGroup"] = gid
    return out


def _container_security(sec: Security) -> dict[str, Any]:
    """Per level: restricted drops ALL, baseline NET_RAW (Docker's default set is otherwise what it allows)."""
    caps: dict[str, Any] = {}
    if sec.cap_drop:
        caps["drop"] = list(sec.cap_drop)
    if sec.cap_add:
        caps["add"] = list(sec.cap_add)
    out: dict[str, Any] = {
        "allowPrivilegeEscalation": not sec.no_new_privileges,
        "privileged": False,
        "readOnlyRootFilesystem": sec.read_only_root,
    }
    if caps:
        out["capabilities"] = caps
    out.update(_identity(sec))
    if sec.level is not SecurityLevel.PRIVILEGED:
        out["seccompProfile"] = {"type": "RuntimeDefault"}
    return out


def _mounts(svc: ServiceSpec) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for mount in svc.volumes:
        entry: dict[str, Any] = {"name": f"vol-{mount.name}", "mountPath": mount.target}
        if mount.read_only:
            entry["readOnly"] = True
        out.append(entry)
    for i, file in enumerate(svc.files):
        out.append({"name": "files", "mountPath": file.target, "subPath": f"file-{i}", "readOnly": True})
    for i, path in enumerate(svc.tmpfs):
        out.append({"name": f"tmpfs-{i}", "mountPath": path})
    return out


def _volumes(name: str, svc: ServiceSpec) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for mount in svc.volumes:
        if mount.name is None:
            raise TargetCannotExpress(
                f"services.{name}.volumes: bind mount {mount.source!r} has no Kubernetes equivalent (a pod cannot "
                "mount a folder of the machine that renders it); use a named volume, or files: for a config file"
            )
        out.append({"name": f"vol-{mount.name}", "persistentVolumeClaim": {"claimName": mount.name}})
    if svc.files:
        out.append({"name": "files", "configMap": {"name": f"{name}-files", "defaultMode": 0o444}})
    for i, _path in enumerate(svc.tmpfs):
        out.append({"name": f"tmpfs-{i}", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}})
    return out
