"""The proxy's configuration file: one HAProxy frontend and one initially empty backend per published service port.

Rendered from ``templates/proxy/haproxy.cfg.j2`` with the project's Jinja environment (StrictUndefined, like every
other artifact), because the file is something an operator reads in ``docker exec``/``docker logs`` debugging and
the template shows its shape at a glance; every value that reaches it is checked here first, since HAProxy's config
language has no quoting that would make an arbitrary string safe.

The backends hold no servers: replicas come and go at run time through the runtime API (``engine.proxy.runtime``),
so a rollout never reloads HAProxy. Pure: no I/O beyond reading the template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import RenderError
from engine.proxy.members import Backend, check_name, render_backends

__all__ = [
    "ADMIN_PORT", "BINARY", "CONFIG_PATH", "DEFAULT_IMAGE", "MODES", "TEMPLATE", "ProxyFrontend", "ProxyTimeouts",
    "check_name", "empty_backends", "proxy_argv", "render_proxy_config",
]  # fmt: skip

TEMPLATE = "proxy/haproxy.cfg.j2"
DEFAULT_IMAGE = "haproxy:2.6"  # Docker Hub's official image; tests tag a local build from Debian's package with it
BINARY = "/usr/local/sbin/haproxy"  # the official image's path (the local test image copies that layout)
CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg"
ADMIN_PORT = 9999  # the runtime API's TCP port inside the container; publish it on 127.0.0.1 only
MODES = ("http", "tcp")

_TIME = re.compile(r"^[0-9]+(us|ms|s|m|h|d)?$")
_PATH = re.compile(r"^/[A-Za-z0-9._~/%?&=+-]*$")


def proxy_argv(config_path: str = CONFIG_PATH, members_path: str | None = None) -> tuple[str, ...]:
    """The proxy container's command, valid for the official image and the local one: the binary by absolute path
    (the official entrypoint script passes any first word that is neither ``haproxy`` nor a flag through
    unchanged), ``-db`` to stay in the foreground whatever the file says, ``-f`` for our file.

    With a members file: HAProxy in master-worker mode (``-W``; SIGUSR2 reloads both files in a new worker that
    takes over the listeners, which is how a server loaded from the file, not deletable at run time, is removed),
    loading the members file after the main one, under a small ``sh`` supervisor (``SUPERVISOR``) as PID 1."""
    if members_path is None:
        return (BINARY, "-db", "-f", config_path)
    haproxy = f"{BINARY} -W -db -f {config_path} -f {members_path}"
    return ("/bin/sh", "-c", SUPERVISOR.replace("HAPROXY", haproxy))


# Why a supervisor: HAProxy that dies (a crash, kill -9) would otherwise take the container with it, and Docker's
# restart (a new network setup, restart back-off) leaves the ports refusing for seconds; this starts it again in
# a fifth of a second with the same files. It forwards the stop signal (SIGUSR1, the images' STOPSIGNAL: soft stop,
# in-flight requests finish; TERM and INT too) and SIGUSR2 (reload), and exits once HAProxy exits after a stop.
SUPERVISOR = (
    "trap 'stop=1; kill -USR1 \"$pid\" 2>/dev/null' USR1 TERM INT; trap 'kill -USR2 \"$pid\" 2>/dev/null' USR2; "
    "stop=; while :; do HAPROXY & pid=$!; "
    "while kill -0 \"$pid\" 2>/dev/null; do wait \"$pid\"; done; "
    "[ -n \"$stop\" ] && exit 0; sleep 0.2; done"
)


def _check_port(kind: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise RenderError(f"{kind} {value!r} is not a TCP port (1-65535)")
    return value


@dataclass(frozen=True, slots=True)
class ProxyTimeouts:
    """HAProxy time values (``5s``, ``500ms``). ``tunnel`` bounds idle WebSocket/TCP tunnels once established."""

    connect: str = "1s"  # a replica on the same host answers a connect in microseconds; one that died does not,
    # and the request waits this long before HAProxy retries it on another server
    client: str = "60s"
    server: str = "60s"
    queue: str = "30s"
    tunnel: str = "1h"
    check: str = "2s"
    http_request: str = "10s"
    http_keep_alive: str = "10s"

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not isinstance(value, str) or not _TIME.fullmatch(value):
                raise RenderError(f"proxy timeout {name} {value!r} is not an HAProxy time such as 5s or 500ms")


@dataclass(frozen=True, slots=True)
class ProxyFrontend:
    """One published service port: HAProxy listens on ``bind_port`` inside the proxy container and forwards to the
    replicas' ``target_port``. ``name`` names both the frontend and its backend (the backend name is what the
    runtime API's ``add server <name>/<server>`` takes). ``health_path`` (HTTP mode only) turns on HAProxy's own
    checks for servers added with ``check=True``, so a replica that stops answering leaves the rotation between
    two shipspec health gates."""

    name: str
    bind_port: int
    target_port: int
    mode: str = "http"
    health_path: str | None = None

    def __post_init__(self) -> None:
        check_name("frontend", self.name)
        _check_port("bind port", self.bind_port)
        _check_port("target port", self.target_port)
        if self.mode not in MODES:
            raise RenderError(f"proxy mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.health_path is not None:
            if self.mode != "http":
                raise RenderError(f"frontend {self.name}: a health path needs mode http")
            if not _PATH.match(self.health_path):
                raise RenderError(f"frontend {self.name}: health path {self.health_path!r} is not a plain URL path")


def render_proxy_config(
    frontends: Sequence[ProxyFrontend],
    *,
    admin_port: int = ADMIN_PORT,
    timeouts: ProxyTimeouts | None = None,
    separate_backends: bool = False,
) -> str:
    """The complete ``haproxy.cfg`` text. Frontend names and bind ports must be unique, and no frontend may bind the
    admin port; order is kept as given, so equal input renders byte-identical output. With ``separate_backends``
    the (empty) backends are left to the members file (``engine.proxy.members``), which HAProxy loads after it."""
    _check_port("admin port", admin_port)
    names = [fe.name for fe in frontends]
    ports = [fe.bind_port for fe in frontends]
    if len(set(names)) != len(names):
        raise RenderError(f"proxy frontend names repeat: {sorted(names)}")
    if len(set(ports)) != len(ports) or admin_port in ports:
        raise RenderError(f"proxy bind ports repeat or take the admin port {admin_port}: {sorted(ports)}")
    from engine.render.environment import render_template  # Jinja: only when a config is rendered

    text = render_template(
        TEMPLATE, frontends=list(frontends), admin_port=admin_port, timeouts=timeouts or ProxyTimeouts()
    )
    return text if separate_backends else text + render_backends(empty_backends(frontends))


def empty_backends(frontends: Sequence[ProxyFrontend]) -> list[Backend]:
    """One backend per frontend, of the same name and mode, with no servers: what a new proxy starts with."""
    return [Backend(fe.name, fe.mode, (), fe.health_path) for fe in frontends]
