"""Kubernetes objects for one app environment: one namespace, and per service its Deployments, Service, Ingress,
NetworkPolicy, ConfigMaps, PodDisruptionBudget and the app's PersistentVolumeClaims, each intended as data.

Each environment gets its own namespace (``<app>`` or ``<app>-<env>``), so Services keep the bare service name and
``DATABASE_HOST: db`` resolves exactly as it does under Compose. Strategies map onto plain Kubernetes objects, no
extra controllers:

- ``recreate`` / ``rolling``: one Deployment with ``Recreate`` or ``RollingUpdate`` (maxSurge, maxUnavailable);
- ``blue_green``: Deployments ``<svc>-blue`` (serving, all replicas) and ``<svc>-green`` (idle, 0 replicas), each
  labelled ``shipspec.dev/track``; the Service selects the serving track. Switch by scaling the idle track up with
  the new image, then changing the Service's selector;
- ``canary``: ``<svc>`` (track stable, all replicas) and ``<svc>-canary`` sized so the canary takes the first step's
  share of the pods; the Service selects both, so traffic splits by pod count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.errors import RenderError
from engine.render.context import RenderContext
from engine.render.k8s_pod import CONFIG_HASH, config_hash, pod_spec
from engine.render.limits import TargetCannotExpress
from engine.spec.derived import canary_replicas, port_name
from engine.spec.model import ServiceSpec, StrategyType
from engine.spec.security import resolve, strictest_met

TRACK = "shipspec.dev/track"
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_LABEL_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$")
_LABEL_VALUE = re.compile(rf"^({_LABEL_NAME})?$")


@dataclass(frozen=True)
class K8sObject:
    """One manifest: its file name under ``k8s/``, the template that lays it out, and the intended object."""

    file: str
    template: str
    obj: dict[str, Any]


def k8s_objects(ctx: RenderContext) -> list[K8sObject]:
    spec = ctx.spec
    out = [K8sObject("namespace.yaml", "namespace.yaml.j2", _namespace(ctx))]
    claims: set[str] = set()
    for name in sorted(spec.services):
        svc = spec.services[name]
        out.extend(_service_objects(ctx, name, svc))
        claims.update(m.name for m in svc.volumes if m.name is not None)
    out.extend(K8sObject(f"pvc-{c}.yaml", "pvc.yaml.j2", _pvc(ctx, c)) for c in sorted(claims))
    return out


def kustomization(objects: list[K8sObject]) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(o.file for o in objects),
    }


def selector(ctx: RenderContext, name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": ctx.spec.name}


def _labels(ctx: RenderContext, name: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Labels and annotations: spec labels that are valid Kubernetes labels stay labels, the rest annotate."""
    extra = {**ctx.spec.labels, **(ctx.spec.services[name].labels if name else {})}
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    for key in sorted(extra):
        if not _LABEL_KEY.match(key):
            raise RenderError(f"label {key!r} is not a valid Kubernetes label or annotation key")
        (labels if _LABEL_VALUE.match(extra[key]) else annotations)[key] = extra[key]
    ours = {
        "app.kubernetes.io/part-of": ctx.spec.name,
        "app.kubernetes.io/managed-by": "shipspec",
        **(selector(ctx, name) if name else {"app.kubernetes.io/instance": ctx.spec.name}),
    }
    labels.update(ours)
    return {k: labels[k] for k in sorted(labels)}, annotations


def _meta(ctx: RenderContext, obj_name: str, service: str | None, **extra_labels: str) -> dict[str, Any]:
    labels, annotations = _labels(ctx, service)
    labels.update(extra_labels)
    meta: dict[str, Any] = {"name": obj_name, "namespace": ctx.namespace(), "labels": dict(sorted(labels.items()))}
    if annotations:
        meta["annotations"] = annotations
    return meta


def _namespace(ctx: RenderContext) -> dict[str, Any]:
    # Pod Security Admission enforces what the manifests already promise: the strictest level every pod meets.
    level = strictest_met([resolve(ctx.spec, s).level for s in ctx.spec.services.values()]).value
    labels, annotations = _labels(ctx, None)
    labels.update({f"pod-security.kubernetes.io/{mode}": level for mode in ("enforce", "audit", "warn")})
    meta: dict[str, Any] = {"name": ctx.namespace(), "labels": dict(sorted(labels.items()))}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _service_objects(ctx: RenderContext, name: str, svc: ServiceSpec) -> list[K8sObject]:
    out: list[K8sObject] = []
    strategy = svc.effective_strategy()
    tracks = _tracks(name, svc)
    for track in tracks:
        out.append(K8sObject(f"{track[0]}-deployment.yaml", "deployment.yaml.j2", _deployment(ctx, name, svc, track)))
    serving = "blue" if strategy.type is StrategyType.BLUE_GREEN else None
    if svc.ports:
        out.append(K8sObject(f"{name}-service.yaml", "service.yaml.j2", _service(ctx, name, svc, serving)))
    if svc.env:
        data = {k: svc.env[k] for k in sorted(svc.env)}
        out.append(K8sObject(f"{name}-env-configmap.yaml", "configmap.yaml.j2",
                             _configmap(ctx, name, f"{name}-env", data)))
    if svc.files:
        data = {f"file-{i}": f.content or "" for i, f in enumerate(svc.files)}
        if any(f.content is None for f in svc.files):
            raise TargetCannotExpress(
                f"services.{name}.files: files with a source are not rendered for Kubernetes yet; write the "
                "content inline (content:)"
            )
        out.append(K8sObject(f"{name}-files-configmap.yaml", "configmap.yaml.j2",
                             _configmap(ctx, name, f"{name}-files", data)))
    serving_replicas = sum(r for _, t, r in tracks if t != "green")
    if serving_replicas > 1:
        out.append(K8sObject(f"{name}-pdb.yaml", "pdb.yaml.j2", _pdb(ctx, name)))
    if svc.expose is not None:
        out.append(K8sObject(f"{name}-ingress.yaml", "ingress.yaml.j2", _ingress(ctx, name, svc)))
    out.append(K8sObject(f"{name}-networkpolicy.yaml", "networkpolicy.yaml.j2", _network_policy(ctx, name, svc)))
    return out


def _network_policy(ctx: RenderContext, name: str, svc: ServiceSpec) -> dict[str, Any]:
    """Ingress only from the app's own pods on the service's ports (and from anywhere to an exposed port, for the
    ingress controller); a service without ports accepts no connections. Egress stays open (DNS, APIs)."""
    rules: list[dict[str, Any]] = []
    if svc.ports:
        ports = [{"protocol": p.protocol.upper(), "port": p.container} for p in svc.ports]
        peers = [{"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": ctx.spec.name}}}]
        rules.append({"from": peers, "ports": ports})
    if svc.expose is not None:
        port = svc.expose.port or svc.ports[0].container
        rules.append({"from": [{"namespaceSelector": {}}], "ports": [{"protocol": "TCP", "port": port}]})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(ctx, name, name),
        "spec": {"podSelector": {"matchLabels": selector(ctx, name)}, "policyTypes": ["Ingress"], "ingress": rules},
    }


Track = tuple[str, str | None, int]


def _tracks(name: str, svc: ServiceSpec) -> list[Track]:
    """(object name, track label, replicas) for each Deployment of the service."""
    strategy = svc.effective_strategy()
    if strategy.type is StrategyType.BLUE_GREEN:
        return [(f"{name}-blue", "blue", svc.replicas), (f"{name}-green", "green", 0)]
    if strategy.type is StrategyType.CANARY:
        return [(name, "stable", svc.replicas), (f"{name}-canary", "canary", canary_replicas(svc))]
    return [(name, None, svc.replicas)]


def _deployment(ctx: RenderContext, name: str, svc: ServiceSpec, track_spec: Track) -> dict[str, Any]:
    obj_name, track, replicas = track_spec
    strategy = svc.effective_strategy()
    track_labels = {TRACK: track} if track else {}
    match_labels = {**selector(ctx, name), **track_labels}
    if strategy.type is StrategyType.RECREATE:
        rollout: dict[str, Any] = {"type": "Recreate"}
    else:
        rollout = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": strategy.max_surge, "maxUnavailable": strategy.max_unavailable},
        }
    meta = _meta(ctx, obj_name, name, **track_labels)
    if strategy.type is StrategyType.CANARY and track == "canary":
        meta["annotations"] = {
            **meta.get("annotations", {}),
            "shipspec.dev/canary-steps": ",".join(str(s) for s in strategy.steps),
            "shipspec.dev/canary-pause": strategy.pause,
        }
    pod_labels, _ = _labels(ctx, name)
    pod_labels.update(track_labels)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": match_labels},
            "strategy": rollout,
            "template": {
                "metadata": {
                    "labels": dict(sorted(pod_labels.items())),
                    "annotations": {CONFIG_HASH: config_hash(svc)},
                },
                "spec": pod_spec(ctx, name, svc),
            },
        },
    }


def _service(ctx: RenderContext, name: str, svc: ServiceSpec, track: str | None) -> dict[str, Any]:
    chosen = {**selector(ctx, name), **({TRACK: track} if track else {})}
    ports = [
        {"name": port_name(p.name, p.protocol, p.container), "port": p.container, "targetPort": p.container,
         "protocol": p.protocol.upper()}
        for p in svc.ports
    ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(ctx, name, name),
        "spec": {"type": "ClusterIP", "selector": chosen, "ports": ports},
    }


def _configmap(ctx: RenderContext, name: str, obj_name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(ctx, obj_name, name), "data": data}


def _pdb(ctx: RenderContext, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(ctx, name, name),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(ctx, name)}},
    }


def _ingress(ctx: RenderContext, name: str, svc: ServiceSpec) -> dict[str, Any]:
    expose = svc.expose
    assert expose is not None
    port = expose.port or svc.ports[0].container
    backend = {"service": {"name": name, "port": {"number": port}}}
    spec: dict[str, Any] = {}
    if expose.tls_secret is not None:
        spec["tls"] = [{"hosts": [expose.host], "secretName": expose.tls_secret}]
    spec["rules"] = [
        {"host": expose.host, "http": {"paths": [{"path": expose.path, "pathType": "Prefix", "backend": backend}]}}
    ]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(ctx, name, name),
            "spec": spec}


def _pvc(ctx: RenderContext, claim: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _meta(ctx, claim, None),
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
