"""An HAProxy file whose backends follow a DNS name instead of being filled through the runtime API.

Where no shipspec process manages membership (a Swarm, whose tasks come and go on their own; a rendered Compose
file, run by ``docker compose``), each backend is a ``server-template`` over Docker's embedded DNS: every replica of
a service is one A record of its DNS name, a replica joins the rotation once HAProxy's own check passes on it and
leaves when it stops answering or leaves the answer. A request whose connection is refused (a replica that just
stopped) is retried on another server (``retry-on conn-failure`` with ``option redispatch``). Pure: text only.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.proxy.config import check_name

SLOTS = 16  # server slots per backend: more replicas than this are not all used
DNS = "127.0.0.11:53"  # Docker's embedded DNS inside every container on a user-defined network

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


def render_dns_proxy_config(backends: Sequence[tuple[str, int, str, int, str]]) -> str:
    """(name, bind port, upstream DNS name, target port, mode) per frontend → the HAProxy file."""
    parts = [HEAD]
    for name, bind, upstream, target, mode in backends:
        check_name("frontend", name)
        retry = "    retry-on conn-failure empty-response response-timeout\n" if mode == "http" else ""
        parts.append(
            f"frontend {name}\n    mode {mode}\n    bind :{bind}\n    default_backend {name}\n"
            f"backend {name}\n    mode {mode}\n    balance roundrobin\n{retry}"
            f"    default-server check inter 1s fall 1 rise 1 resolvers docker init-addr none\n"
            f"    server-template task {SLOTS} {check_name('upstream', upstream)}:{target}\n"
        )
    return "".join(parts)
