"""The single-engine desired state → Swarm services: one service per spec service, with its secrets and configs.

Built on ``engine.desired.build_desired`` so every rule that decides what reaches a container (config hashes over
env, secret digests, file contents, health, security defaults, image reference) is the same on both targets; this
module only says it in Swarm's words (the engine's JSON ``ServiceSpec``). Pure: no Docker, no secret values.

What maps to what:

- a service → a replicated service ``<app>-<service>`` (``restart: no`` → a replicated job), on the overlay
  network ``<app>`` with the service name as alias, endpoint mode ``dnsrr`` and host-mode published ports (this
  kernel has no IPVS; ``routing_mesh=True`` gives VIP and ingress ports where it has);
- ``secrets`` → Swarm secrets named by their digest, mounted at ``/run/secrets/<VAR>``, with ``<VAR>_FILE`` in the
  environment pointing there (a secret value in a service's env would sit in plain text in the cluster's store
  and in every ``docker service inspect``);
- ``files`` → Swarm configs named by their content's digest. Secret and config data cannot change in place
  (moby/moby#33808), so a changed value is a new name: rotation is create new, update the service, remove the old
  one after success; the previous revision's objects are kept for rollback until pruned.
- labels: the app's, plus ``TASK_HASH`` (what forces new tasks) and ``SPEC_HASH`` (the whole service spec, so
  replicas or update settings changed in place also show in a plan).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine import labels as L
from engine.desire.hashing import canonical_json, sha256_hex
from engine.desire.types import ContainerSpec, HealthCheck, SecretSource
from engine.spec.model import ServiceSpec
from engine.spec.quantity import cpu_millicores
from engine.swarm.update import NS

TASK_HASH = f"{L.PREFIX}.swarm.task-hash"
SPEC_HASH = f"{L.PREFIX}.swarm.spec-hash"
OBJECT_SERVICE = L.SERVICE
SECRETS_DIR = "/run/secrets"
MAX_OBJECT_NAME = 64
RESTART = {"no": "none", "on-failure": "on-failure", "always": "any", "unless-stopped": "any"}


@dataclass(frozen=True, slots=True)
class SwarmSecret:
    """A secret the service needs: created from ``source`` at apply time, under a name that is its digest."""

    name: str
    service: str
    var: str
    source: SecretSource
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SwarmConfig:
    name: str
    service: str
    content: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class SwarmService:
    """One Swarm service to converge. ``body`` is the engine's ServiceSpec JSON except the secret and config IDs,
    which only the cluster knows (the adapter resolves them by name)."""

    name: str  # the spec's service name
    swarm_name: str  # <app>-<service>
    body: Mapping[str, Any]
    depends_on: Mapping[str, str]
    secrets: tuple[SwarmSecret, ...] = ()
    configs: tuple[SwarmConfig, ...] = ()
    health_deadline_s: float = 120.0

    @property
    def task_hash(self) -> str:
        return str(self.body["Labels"][TASK_HASH])

    @property
    def spec_hash(self) -> str:
        return str(self.body["Labels"][SPEC_HASH])


@dataclass(frozen=True)
class SwarmDesired:
    app: str
    env: str
    revision: int
    network: str
    labels: Mapping[str, str]  # on the network and every secret and config
    services: Mapping[str, SwarmService]
    volumes: tuple[str, ...] = ()


def swarm_name(app: str, service: str) -> str:
    return f"{app}-{service}"


def object_name(app: str, service: str, what: str, digest: str) -> str:
    """``<app>-<service>-<what>-<12 hex>``, shortened in the middle to Swarm's 64 characters."""
    suffix = f"-{digest.rpartition(':')[2][:12]}"
    return f"{app}-{service}-{what}"[: MAX_OBJECT_NAME - len(suffix)] + suffix


def with_hashes(body: dict[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """Label the body with its two hashes; the container labels carry the task hash too."""
    task_hash = "sha256:" + sha256_hex(canonical_json({"task": body["TaskTemplate"], "ep": body["EndpointSpec"]}))
    spec_hash = "sha256:" + sha256_hex(canonical_json(body))
    task = {**body["TaskTemplate"]}
    task["ContainerSpec"] = {**task["ContainerSpec"], "Labels": {**labels, TASK_HASH: task_hash}}
    service_labels = {**labels, TASK_HASH: task_hash, SPEC_HASH: spec_hash}
    return {**body, "TaskTemplate": task, "Labels": service_labels}


def _ns(seconds: float) -> int:
    return int(seconds * NS)


def healthcheck(health: HealthCheck | None) -> dict[str, Any] | None:
    if health is None:
        return None
    return {
        "Test": list(health.test),
        "Interval": _ns(health.interval_s),
        "Timeout": _ns(health.timeout_s),
        "Retries": health.retries,
        "StartPeriod": _ns(health.start_period_s),
    }


def _owner(user: str | None) -> tuple[str, str]:
    """Secret and config files belong to the process's numeric uid/gid, so a non-root process can read its 0400
    secret; a named user cannot be resolved outside the image, so those files stay root's, world-readable."""
    if user is None:
        return "0", "0"
    uid, _, gid = user.partition(":")
    return (uid, gid or uid) if uid.isdigit() and (gid or uid).isdigit() else ("", "")


def container_spec(
    template: ContainerSpec, image: str, secrets: tuple[SwarmSecret, ...], configs: tuple[SwarmConfig, ...]
) -> dict[str, Any]:
    """The task's container. ``image`` is the reference, never an ID: each node resolves it in its own store."""
    uid, gid = _owner(template.user)
    secret_mode, owner = (0o400, {"UID": uid, "GID": gid}) if uid else (0o444, {"UID": "0", "GID": "0"})
    env = {**template.env, **{f"{s.var}_FILE": f"{SECRETS_DIR}/{s.var}" for s in secrets}}
    out: dict[str, Any] = {
        "Image": image,
        "Env": [f"{k}={v}" for k, v in sorted(env.items())],
        "ReadOnly": template.read_only,
        "CapabilityDrop": list(template.cap_drop),
        "CapabilityAdd": list(template.cap_add),
        "Privileges": {"NoNewPrivileges": template.no_new_privileges},
        "Init": template.init,
        "StopGracePeriod": _ns(template.stop_timeout_s),
        "Mounts": _mounts(template),
        "Secrets": [{"File": {"Name": s.var, **owner, "Mode": secret_mode}, "SecretName": s.name} for s in secrets],
        "Configs": [
            {"File": {"Name": f.target, **owner, "Mode": 0o444}, "ConfigName": c.name}
            for f, c in zip(template.files, configs, strict=True)
        ],
    }
    optional = {
        "Command": list(template.entrypoint) if template.entrypoint is not None else None,
        "Args": list(template.command) if template.command is not None else None,
        "Dir": template.working_dir,
        "User": template.user,
        "StopSignal": template.stop_signal,
        "Hostname": template.hostname,
        "Sysctls": dict(template.sysctls) or None,
        "Healthcheck": healthcheck(template.health),
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    return out


def _mounts(template: ContainerSpec) -> list[dict[str, Any]]:
    labels = {k: v for k, v in template.labels.items() if k in (L.APP, L.ENV, L.MANAGED)}
    out: list[dict[str, Any]] = []
    for m in template.mounts:
        assert m.volume is not None, "a Swarm target refuses bind mounts at validation"
        out.append(
            {
                "Type": "volume",
                "Source": m.volume,
                "Target": m.target,
                "ReadOnly": m.read_only,
                "VolumeOptions": {"Labels": labels},
            }
        )
    out.extend({"Type": "tmpfs", "Target": path} for path in template.tmpfs)
    return out


def task_template(
    template: ContainerSpec,
    image: str,
    spec: ServiceSpec,
    network: str,
    secrets: tuple[SwarmSecret, ...],
    configs: tuple[SwarmConfig, ...],
) -> dict[str, Any]:
    limits = {"NanoCPUs": template.nano_cpus, "MemoryBytes": template.mem_limit}
    cpu_request = spec.resources.requests.cpu
    reservations = {
        "NanoCPUs": cpu_millicores(cpu_request) * 1_000_000 if cpu_request is not None else None,
        "MemoryBytes": template.mem_reservation,
    }
    placement: dict[str, Any] = {
        "Constraints": list(spec.placement.constraints),
        "Preferences": [{"Spread": {"SpreadDescriptor": key}} for key in spec.placement.spread],
    }
    if spec.placement.max_per_node is not None:
        placement["MaxReplicas"] = spec.placement.max_per_node
    return {
        "ContainerSpec": container_spec(template, image, secrets, configs),
        "Resources": {
            "Limits": {k: v for k, v in limits.items() if v},
            "Reservations": {k: v for k, v in reservations.items() if v},
        },
        "RestartPolicy": {"Condition": RESTART[template.restart], "Delay": _ns(5), "MaxAttempts": 0},
        "Placement": placement,
        "Networks": [{"Target": network, "Aliases": list(template.aliases)}],
        "ForceUpdate": 0,
    }


def endpoint_spec(template: ContainerSpec, routing_mesh: bool) -> dict[str, Any]:
    ports = [
        {
            "Protocol": p.protocol,
            "TargetPort": p.container,
            "PublishedPort": p.host,
            "PublishMode": "ingress" if routing_mesh else "host",
        }
        for p in template.ports
        if p.host is not None
    ]
    return {"Mode": "vip" if routing_mesh else "dnsrr", "Ports": ports}
