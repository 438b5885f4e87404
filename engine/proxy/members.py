"""The proxy's members file: every backend with the servers in rotation, which a restarted HAProxy loads at start.

HAProxy keeps servers added through the runtime API in memory only, so a proxy that restarts (``docker restart``,
HAProxy crashing, the engine or the host rebooting) would come back with empty backends. shipspec therefore
rewrites this file after every membership change (atomically, on the host: the container sees a bound directory);
HAProxy loads it after the main config (``-f main -f members``). Sections cannot span files in HAProxy, so the
backends live here entirely and the main config only names them (``default_backend``).

A server line addresses its replica by the container's short ID, which Docker's DNS resolves on every user-defined
network and which survives renames, and resolves it at run time (``resolvers docker``): after an engine restart the
replicas may come back with other addresses, and one that did not come back does not resolve, so it sits in
``MAINT (resolution)`` and gets no request. Its L4 check (rise 2 / fall 2) keeps a replica that resolves but does
not listen out of rotation too.

Pure: renders and parses text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import ProxyError, RenderError

MEMBERS_DIR = "/usr/local/etc/haproxy/live"
MEMBERS_PATH = f"{MEMBERS_DIR}/backends.cfg"
RESOLVERS = "docker"
CHECK_INTERVAL_MS = 1000  # the same check the runtime API adds (engine.execute.dispatch): rise 2 / fall 2
HEADER = "# Rendered by shipspec after each proxy membership change; HAProxy loads it at start. Do not edit.\n"

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,62}$")
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$")
_BACKEND = re.compile(r"^backend (\S+)$")
_MODE = re.compile(r"^\s+mode (http|tcp)$")
_CHECK = re.compile(r"^\s+option httpchk GET (\S+)$")
_SERVER = re.compile(r"^\s+server (\S+) (\S+):([0-9]+) weight ([0-9]+) ")


def check_name(kind: str, value: str) -> str:
    """A name safe in HAProxy's config and in runtime API commands (``backend/server``; ``;`` would split them)."""
    if not _NAME.fullmatch(value):
        raise RenderError(f"{kind} {value!r} is not a valid proxy name (a letter, then letters, digits, _ . -)")
    return value


@dataclass(frozen=True, slots=True)
class Member:
    """One server of one backend: ``host`` is a DNS name (the container's short ID) or an IP address."""

    name: str
    host: str
    port: int
    weight: int = 100

    def __post_init__(self) -> None:
        check_name("server", self.name)
        if not _HOST.fullmatch(self.host):
            raise ProxyError(f"proxy member {self.name}: {self.host!r} is not a host name or an address")
        if not 0 < self.port < 65536 or not 0 <= self.weight <= 256:
            raise ProxyError(f"proxy member {self.name}: port {self.port} or weight {self.weight} out of range")


@dataclass(frozen=True, slots=True)
class Backend:
    """``health_path`` (HTTP mode) turns HAProxy's check of every server into ``GET <path>`` instead of a connect."""

    name: str
    mode: str
    members: tuple[Member, ...] = ()
    health_path: str | None = None


def _section(backend: Backend) -> list[str]:
    lines = [
        "",
        f"backend {check_name('backend', backend.name)}",
        f"    mode {backend.mode}",
        # roundrobin is dynamic: weights change at run time and servers can be added and deleted (`add server`)
        "    balance roundrobin",
    ]
    if backend.mode == "http":
        # one server connection per request: nothing idles on a drained server, so `del server` is never blocked
        lines.append("    option http-server-close")
        # a replica killed with a request in flight answers nothing: a GET or HEAD is sent again to another server
        lines += ["    retry-on conn-failure empty-response", "    http-request disable-l7-retry if !METH_GET"]
    if backend.health_path:
        lines += [f"    option httpchk GET {backend.health_path}", "    http-check expect status 200-399"]
    for m in backend.members:
        lines.append(
            f"    server {m.name} {m.host}:{m.port} weight {m.weight} check inter {CHECK_INTERVAL_MS} rise 2 fall 2"
            f" resolvers {RESOLVERS} init-addr libc,none resolve-prefer ipv4"
        )
    return lines


def render_backends(backends: Iterable[Backend]) -> str:
    """The backend sections, in the order given, servers sorted by name (equal input, equal bytes)."""
    lines: list[str] = []
    for b in backends:
        if b.mode not in ("http", "tcp"):
            raise ProxyError(f"backend {b.name}: mode {b.mode!r} is not http or tcp")
        lines += _section(Backend(b.name, b.mode, tuple(sorted(b.members, key=lambda m: m.name)), b.health_path))
    return "\n".join(lines) + "\n"


def render_members(backends: Iterable[Backend]) -> str:
    """The whole members file."""
    return HEADER + render_backends(backends)


def parse_members(text: str) -> list[Backend]:
    """Read back a file ``render_members`` wrote (only that shape: anything else is a ``ProxyError``)."""
    out: list[Backend] = []
    for number, line in enumerate(text.splitlines(), 1):
        if (match := _CHECK.match(line)) and out:
            out[-1] = Backend(out[-1].name, out[-1].mode, out[-1].members, match.group(1))
            continue
        skipped = ("balance", "option", "http-check", "retry-on", "http-request")
        if not line.strip() or line.startswith("#") or line.strip().startswith(skipped):
            continue
        if match := _BACKEND.match(line):
            out.append(Backend(match.group(1), "tcp"))
        elif out and (match := _MODE.match(line)):
            out[-1] = Backend(out[-1].name, match.group(1), out[-1].members, out[-1].health_path)
        elif out and (match := _SERVER.match(line)):
            member = Member(match.group(1), match.group(2), int(match.group(3)), int(match.group(4)))
            out[-1] = Backend(out[-1].name, out[-1].mode, (*out[-1].members, member), out[-1].health_path)
        else:
            raise ProxyError(f"proxy members file line {number}: unexpected {line.strip()[:80]!r}")
    return out


def with_members(backends: Sequence[Backend], members: Mapping[str, Sequence[Member]]) -> list[Backend]:
    """The same backends (names and modes) holding exactly ``members`` (backend → its servers)."""
    return [Backend(b.name, b.mode, tuple(members.get(b.name, ())), b.health_path) for b in backends]
