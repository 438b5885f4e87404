"""Build the Swarm desired state of one environment: every spec service through ``engine.swarm.desired``'s
mapping, and the proxy through ``engine.swarm.proxy``. Kept apart from both so neither imports the other. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import labels as L
from engine.desire.hashing import sha256_hex
from engine.desire.types import PROXY_SERVICE, DesiredService, DesiredState
from engine.spec.model import ServiceSpec
from engine.spec.validate import ValidSpec
from engine.swarm.desired import (
    OBJECT_SERVICE,
    SwarmConfig,
    SwarmDesired,
    SwarmSecret,
    SwarmService,
    endpoint_spec,
    object_name,
    swarm_name,
    task_template,
    with_hashes,
)
from engine.swarm.proxy import proxy_service
from engine.swarm.update import update_configs


def build_swarm(
    desired: DesiredState,
    valid: ValidSpec,
    secret_digests: Mapping[str, Mapping[str, str]],
    *,
    routing_mesh: bool = False,
) -> SwarmDesired:
    """The Swarm services of one environment. ``desired`` comes from ``build_desired`` for the same ``valid``."""
    base = {L.APP: desired.app, L.ENV: desired.env, L.MANAGED: "true"}
    services: dict[str, SwarmService] = {}
    for name, svc in sorted(desired.services.items()):
        if name == PROXY_SERVICE:
            services[name] = proxy_service(desired, valid, svc, base)
            continue
        spec = valid.spec.services[name]
        services[name] = _service(desired, spec, svc, base, secret_digests.get(name, {}), routing_mesh)
    return SwarmDesired(
        app=desired.app,
        env=desired.env,
        revision=desired.revision,
        network=desired.network.name,
        labels=base,
        services=services,
        volumes=tuple(v.name for v in desired.volumes),
    )


def _service(
    desired: DesiredState,
    spec: ServiceSpec,
    svc: DesiredService,
    base: Mapping[str, str],
    digests: Mapping[str, str],
    routing_mesh: bool,
) -> SwarmService:
    app, template = desired.app, svc.template
    own = {**base, OBJECT_SERVICE: svc.name}
    secrets = tuple(
        SwarmSecret(object_name(app, svc.name, var.lower().replace("_", "-"), digests[var]), svc.name, var, src, own)
        for var, src in sorted(template.secret_sources.items())
    )
    configs = tuple(
        SwarmConfig(object_name(app, svc.name, "file", sha256_hex(f.content)), svc.name, f.content, own)
        for f in template.files
    )
    task = task_template(template, svc.image_ref, spec, desired.network.name, secrets, configs)
    endpoint = endpoint_spec(template, routing_mesh)
    mode: dict[str, Any] = (
        {"ReplicatedJob": {"MaxConcurrent": max(1, svc.replicas), "TotalCompletions": svc.replicas}}
        if template.restart == "no"
        else {"Replicated": {"Replicas": svc.replicas}}
    )
    body: dict[str, Any] = {"Name": swarm_name(app, svc.name), "TaskTemplate": task, "Mode": mode}
    body["EndpointSpec"] = endpoint
    if "Replicated" in mode:
        update, rollback = update_configs(svc.strategy, svc.replicas, template.health)
        body["UpdateConfig"], body["RollbackConfig"] = update, rollback
    return SwarmService(
        name=svc.name,
        swarm_name=body["Name"],
        body=with_hashes(body, template.labels),
        depends_on=svc.depends_on,
        secrets=secrets,
        configs=configs,
        health_deadline_s=svc.strategy.health_deadline_s,
    )
