"""Keep the proxy's members file (``engine.proxy.members``) equal to its live membership, after every change.

The runtime API changes the running HAProxy; this module writes what it now holds to the file a restarted HAProxy
loads, so the proxy comes back serving with no shipspec process. It also removes servers the file put there: HAProxy
refuses ``del server`` for a server that resolves through ``resolvers``, so such a server is taken out of rotation,
written out of the file, and the master reloads (SIGUSR2: a new worker takes over the listeners and in-flight
requests finish on the old one, so no connection is refused).

Written from HAProxy's own answer (``show stat``), not from the plan: the file then holds exactly what serves, even
after an interrupted apply. Replicas are addressed by a DNS name that survives restarts (``DockerGateway.dns_name``)
kept from the previous file; a server the file does not know yet gets the name given by the step that added it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.errors import EngineError, ProxyError
from engine.ports import Clock, DockerGateway
from engine.proxy.members import MEMBERS_PATH, Member, parse_members, render_members, with_members

RELOAD_S = 15.0  # a reload re-reads two small files: seconds at most; past that the proxy is in trouble
_LOCK = threading.Lock()  # steps of one apply run in parallel: one read-modify-write of the file at a time
NOT_DELETABLE = "cannot be removed at runtime"


class MemberStat(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def addr(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def weight(self) -> int: ...


class MembersApi(Protocol):
    def servers(self, backend: str) -> Sequence[MemberStat]: ...


@dataclass(frozen=True, slots=True)
class Joined:
    """The server a step just put in rotation, and the DNS name of its replica."""

    backend: str
    server: str
    host: str


def _kept(status: str) -> bool:
    """In rotation, or meant to be: up, down (a replica that will come back), unresolved after a restart. Servers
    being added (maintenance until checked) or removed (drain, maintenance) are written by their own step."""
    return not status.startswith(("MAINT", "DRAIN")) or "resolution" in status


def persist_members(gw: DockerGateway, api: MembersApi, proxy: str, joined: Joined | None = None) -> None:
    """Rewrite the members file from what HAProxy serves now. A proxy without a members file (created by an older
    shipspec) has nothing to keep in step."""
    with _LOCK:
        try:
            backends = parse_members(gw.read_live_file(proxy, MEMBERS_PATH))
        except EngineError:
            return
        known = {(b.name, m.name): m for b in backends for m in b.members}
        members: dict[str, list[Member]] = {}
        for backend in backends:
            for stat in api.servers(backend.name):
                member = _member(backend.name, stat, known.get((backend.name, stat.name)), joined)
                if member is not None:
                    members.setdefault(backend.name, []).append(member)
        gw.write_live_file(proxy, MEMBERS_PATH, render_members(with_members(backends, members)))


def _member(backend: str, stat: MemberStat, before: Member | None, joined: Joined | None) -> Member | None:
    if not _kept(stat.status):
        return None
    ip, _, port_text = stat.addr.rpartition(":")
    port = int(port_text) if port_text.isdigit() else (before.port if before else 0)
    if joined is not None and (joined.backend, joined.server) == (backend, stat.name):
        host = joined.host
    elif before is not None and before.port == port:
        host = before.host
    else:
        host = ip  # not written by shipspec: keep it by address, the best that is known
    if not host or not port:
        return None
    return Member(stat.name, host, port, stat.weight if 0 <= stat.weight <= 256 else 100)


def not_deletable(exc: ProxyError) -> bool:
    return NOT_DELETABLE in exc.answer


def reload_without(
    gw: DockerGateway, api: MembersApi, proxy: str, backend: str, server: str, clock: Clock
) -> None:
    """Remove a server HAProxy cannot delete at run time (one the members file gave it): it is in maintenance
    already, so it leaves the file; then the master reloads and the new worker starts without it."""
    persist_members(gw, api, proxy)
    gw.signal(proxy, "SIGUSR2")
    end = clock.monotonic() + RELOAD_S
    while True:
        try:
            if server not in {s.name for s in api.servers(backend)}:
                return
        except ProxyError:
            pass  # the admin socket moves to the new worker
        if clock.monotonic() >= end:
            raise ProxyError(f"the proxy still lists {backend}/{server} {RELOAD_S:g}s after a reload")
        clock.sleep(0.2)
