"""shipspec's proxy on a Swarm: HAProxy as a global service on the chosen nodes, the app's only published ports.

On one engine shipspec adds and removes each replica at HAProxy's runtime API. On a Swarm the tasks come and go
on their own, so each backend follows ``tasks.<app>-<service>`` through Docker's embedded DNS on the overlay
(``engine.proxy.dns_config``; every task of a ``dnsrr`` service is one A record), which is what keeps a rolling
update free of failed requests. The ports are published in host mode on every node the proxy runs on
(``proxy.placement``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine import labels as L
from engine.desire.hashing import sha256_hex
from engine.desire.proxy import proxy_frontends
from engine.desire.types import DesiredService, DesiredState
from engine.proxy.config import CONFIG_PATH, proxy_argv
from engine.proxy.dns_config import render_dns_proxy_config
from engine.spec.validate import ValidSpec
from engine.swarm.desired import (
    OBJECT_SERVICE,
    SwarmConfig,
    SwarmService,
    object_name,
    swarm_name,
    with_hashes,
)
from engine.swarm.update import NS


def render_swarm_proxy_config(backends: Sequence[tuple[str, int, str, int, str]]) -> str:
    """(name, bind port, Swarm service name, target port, mode) per frontend → the HAProxy file; each backend
    follows ``tasks.<service>``, the DNS name with one A record per task."""
    return render_dns_proxy_config([(n, bind, f"tasks.{up}", target, mode) for n, bind, up, target, mode in backends])


def proxy_service(
    desired: DesiredState, valid: ValidSpec, proxy: DesiredService, base: Mapping[str, str]
) -> SwarmService:
    app = desired.app
    fronts = proxy_frontends(valid)
    rows = [
        (fe.name, fe.bind_port, swarm_name(app, service), fe.target_port, fe.mode)
        for service in sorted(fronts)
        for fe, _ in fronts[service]
    ]
    text = render_swarm_proxy_config(rows)
    config = SwarmConfig(
        object_name(app, proxy.name, "cfg", sha256_hex(text)), proxy.name, text, {**base, OBJECT_SERVICE: proxy.name}
    )
    placement = valid.spec.proxy.placement
    container: dict[str, Any] = {
        "Image": proxy.image_ref,
        "Args": list(proxy_argv()),
        "Init": True,
        "StopGracePeriod": 10 * NS,
        "Configs": [
            {"File": {"Name": CONFIG_PATH, "UID": "0", "GID": "0", "Mode": 0o444}, "ConfigName": config.name}
        ],
    }
    stop_first = {"Parallelism": 1, "Delay": 0, "Monitor": 5 * NS, "MaxFailureRatio": 0, "Order": "stop-first"}
    body: dict[str, Any] = {
        "Name": swarm_name(app, proxy.name),
        "TaskTemplate": {
            "ContainerSpec": container,
            "RestartPolicy": {"Condition": "any", "Delay": 5 * NS, "MaxAttempts": 0},
            "Placement": {
                "Constraints": list(placement.constraints),
                "Preferences": [{"Spread": {"SpreadDescriptor": k}} for k in placement.spread],
            },
            "Networks": [{"Target": desired.network.name, "Aliases": [proxy.name]}],
            "ForceUpdate": 0,
        },
        # One task per eligible node: each binds the published ports of its own node (host mode).
        "Mode": {"Global": {}},
        "UpdateConfig": {**stop_first, "FailureAction": "rollback"},
        "RollbackConfig": {**stop_first, "FailureAction": "pause"},
        "EndpointSpec": {
            "Mode": "dnsrr",
            "Ports": [
                {"Protocol": "tcp", "TargetPort": bind, "PublishedPort": bind, "PublishMode": "host"}
                for _, bind, _, _, _ in rows
            ],
        },
    }
    labels = {**base, L.SERVICE: proxy.name, L.REVISION: str(desired.revision), L.IMAGE_REF: proxy.image_ref}
    return SwarmService(
        name=proxy.name,
        swarm_name=body["Name"],
        body=with_hashes(body, labels),
        depends_on={},
        configs=(config,),
        health_deadline_s=60.0,
    )
