"""shipspec's proxy on a Swarm: HAProxy as a global service on the chosen nodes, the app's only published ports.

On one engine shipspec adds and removes each replica at HAProxy's runtime API. On a Swarm the tasks come and go
on their own, so each backend follows ``tasks.<app>-<service>`` through Docker's embedded DNS on the overlay
(``server-template`` with a ``resolvers`` section; every task of a ``dnsrr`` service is one A record). A task
joins the rotation after HAProxy's own check passes on it and leaves when it stops answering or leaves the DNS
answer; a request whose connection is refused (a task that just stopped) is retried on another server
(``retry-on conn-failure`` with ``option redispatch``), which is what keeps a rolling update free of failed
requests. The ports are published in host mode on every node the proxy runs on (``proxy.placement``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine import labels as L
from engine.desire.hashing import sha256_hex
from engine.desire.proxy import proxy_frontends
from engine.desire.types import DesiredService, DesiredState
from engine.proxy.config import CONFIG_PATH, check_name, proxy_argv
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

MAX_TASKS = 16  # server slots per backend: more tasks than this are not all used
DNS = "127.0.0.11:53"  # Docker's embedded DNS inside every task on a user-defined network

HEAD = f"""\
global
    maxconn 4096
resolvers docker
    nameserver dns {DNS}
    resolve_retries 3
    timeout resolve 1s
    timeout retry 1s
    hold valid 1s
    hold obsolete 1s
    hold nx 1s
    accepted_payload_size 8192
defaults
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 30s
    retries 3
    option redispatch 1
"""


def render_swarm_proxy_config(backends: Sequence[tuple[str, int, str, int, str]]) -> str:
    """(name, bind port, upstream DNS name, target port, mode) per frontend → the HAProxy file."""
    parts = [HEAD]
    for name, bind, upstream, target, mode in backends:
        check_name("frontend", name)
        retry = "    retry-on conn-failure empty-response response-timeout\n" if mode == "http" else ""
        parts.append(
            f"frontend {name}\n    mode {mode}\n    bind :{bind}\n    default_backend {name}\n"
            f"backend {name}\n    mode {mode}\n    balance roundrobin\n{retry}"
            f"    default-server check inter 1s fall 1 rise 1 resolvers docker init-addr none\n"
            f"    server-template task {MAX_TASKS} tasks.{check_name('upstream', upstream)}:{target}\n"
        )
    return "".join(parts)


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
