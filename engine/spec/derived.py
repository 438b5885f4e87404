"""Names that renderers and the engine derive from a spec, in one place, so validation can check them by the target's
own rules before anything is rendered or applied (a name refused by ``kubectl`` or Docker is a validate error).

``engine/render`` uses these functions to name what it writes; ``checks_limits`` uses the same functions to judge the
names, so the two can never drift apart. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from engine.spec.model import AppSpec, SecretRef, ServiceSpec, StrategyType

# Kubernetes' own validation rules (apimachinery validation.go), ASCII only, matched with fullmatch.
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", re.ASCII)  # at most 63
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?", re.ASCII)  # at most 63: Service, Namespace names
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", re.ASCII)  # 253
CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+", re.ASCII)  # at most 253, not "." or ".."
LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", re.ASCII)  # at most 63
IANA_SVC_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", re.ASCII)  # at most 15, a letter, no "--"
DOCKER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", re.ASCII)  # containers, networks, volumes
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
ANNOTATIONS_MAX = 256 * 1024  # total bytes of keys and values on one object


def label_key_ok(key: str) -> bool:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return False
    return len(name) <= 63 and bool(LABEL_NAME.fullmatch(name))


def label_value_ok(value: str) -> bool:
    return value == "" or (len(value) <= 63 and bool(LABEL_NAME.fullmatch(value)))


def port_name_ok(name: str) -> bool:
    return (len(name) <= 15 and bool(IANA_SVC_NAME.fullmatch(name)) and "--" not in name
            and any(c.isalpha() for c in name))


def config_key_ok(key: str) -> bool:
    return len(key) <= 253 and key not in (".", "..") and bool(CONFIG_KEY.fullmatch(key))


def port_name(name: str | None, protocol: str, port: int) -> str:
    """A Kubernetes port's name: the spec's, or the protocol and number."""
    return name or f"{protocol}-{port}"


def secret_key(ref: SecretRef) -> str:
    """The key inside the app's Kubernetes Secret: the variable's name, or the file's base name."""
    if ref.env is not None:
        return ref.env
    assert ref.file is not None
    return re.sub(r"[^-._a-zA-Z0-9]", "-", ref.file.rstrip("/").rsplit("/", 1)[-1])


def compose_secret_name(ref: SecretRef) -> str:
    """One Compose secret per source, shared by every service that reads it."""
    if ref.env is not None:
        return ref.env.lower()
    assert ref.file is not None
    return "file_" + re.sub(r"[^A-Za-z0-9_.-]", "_", ref.file.lstrip("./")).lower()


def deployment_tracks(name: str, svc: ServiceSpec) -> list[str]:
    """The Deployments a service renders to: blue-green has two tracks, canary a stable and a canary one."""
    kind = svc.effective_strategy().type
    if kind is StrategyType.BLUE_GREEN:
        return [f"{name}-blue", f"{name}-green"]
    if kind is StrategyType.CANARY:
        return [name, f"{name}-canary"]
    return [name]


@dataclass(frozen=True)
class K8sName:
    """One Kubernetes object the renderer writes: kind, name, the file under ``k8s/``, and the service it is for."""

    kind: str
    name: str
    file: str
    service: str | None


def k8s_names(spec: AppSpec, namespace: str) -> Iterator[K8sName]:
    """Every object ``engine/render/k8s`` writes for ``spec`` (and the one Secret its pods reference)."""
    yield K8sName("Namespace", namespace, "namespace.yaml", None)
    claims: set[str] = set()
    for name in sorted(spec.services):
        svc = spec.services[name]
        for track in deployment_tracks(name, svc):
            yield K8sName("Deployment", track, f"{track}-deployment.yaml", name)
        if svc.ports:
            yield K8sName("Service", name, f"{name}-service.yaml", name)
        if svc.env:
            yield K8sName("ConfigMap", f"{name}-env", f"{name}-env-configmap.yaml", name)
        if svc.files:
            yield K8sName("ConfigMap", f"{name}-files", f"{name}-files-configmap.yaml", name)
        if _serving_replicas(svc) > 1:
            yield K8sName("PodDisruptionBudget", name, f"{name}-pdb.yaml", name)
        if svc.expose is not None:
            yield K8sName("Ingress", name, f"{name}-ingress.yaml", name)
        yield K8sName("NetworkPolicy", name, f"{name}-networkpolicy.yaml", name)
        claims.update(m.name for m in svc.volumes if m.name is not None)
    for claim in sorted(claims):
        yield K8sName("PersistentVolumeClaim", claim, f"pvc-{claim}.yaml", None)
    if any(svc.secrets for svc in spec.services.values()):
        yield K8sName("Secret", f"{spec.name}-secrets", "", None)


def canary_replicas(svc: ServiceSpec) -> int:
    """The canary Deployment's size: enough pods for the first step's share of traffic (split by pod count)."""
    steps = svc.effective_strategy().steps
    first = steps[0] if steps else 100
    return svc.replicas if first >= 100 else max(1, round(svc.replicas * first / (100 - first)))


def _serving_replicas(svc: ServiceSpec) -> int:
    if svc.effective_strategy().type is StrategyType.CANARY:
        return svc.replicas + canary_replicas(svc)
    return svc.replicas


def k8s_name_problem(kind: str, name: str) -> str | None:
    """Why ``name`` is not a valid name for an object of ``kind``, or None."""
    if kind in ("Service", "Namespace"):
        if len(name) > 63 or not DNS1035_LABEL.fullmatch(name):
            return "must be a DNS label of at most 63 characters starting with a letter"
        return None
    if len(name) > 253 or not DNS1123_SUBDOMAIN.fullmatch(name):
        return "must be a DNS subdomain of at most 253 characters"
    return None


def pod_volume_names(svc: ServiceSpec) -> list[str]:
    """The volume names inside a pod (each a DNS label of at most 63 characters)."""
    out = [f"vol-{m.name}" for m in svc.volumes if m.name is not None]
    return out + (["files"] if svc.files else []) + [f"tmpfs-{i}" for i in range(len(svc.tmpfs))]
