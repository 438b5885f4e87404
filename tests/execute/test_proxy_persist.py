"""The members file follows HAProxy's live membership after every proxy step, and servers it gave HAProxy (which
``del server`` refuses) leave through a reload. Against the fake gateway and a fake runtime API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from engine.desire.types import ContainerSpec, FileMount, PortBinding
from engine.errors import ProxyError
from engine.execute.dispatch import proxy_add, proxy_remove
from engine.execute.proxy_persist import Joined, persist_members, reload_without
from engine.plan.steps import ProxyAddServer, ProxyRemoveServer
from engine.proxy.members import MEMBERS_PATH, Backend, Member, parse_members, render_members
from engine.testing import FakeClock, FakeGateway

IMAGE = "sha256:" + "b" * 64
PROXY = "shop-shipspec-proxy-1"
STATIC = "This server cannot be removed at runtime due to other configuration elements pointing to it."


@dataclass
class Server:
    name: str
    addr: str
    status: str = "UP"
    weight: int = 100
    static: bool = False  # loaded from the members file: `del server` is refused


@dataclass
class Runtime:
    servers_by_backend: dict[str, list[Server]] = field(default_factory=dict)
    reloaded: bool = False
    log: list[str] = field(default_factory=list)

    def wait_ready(self, deadline_s: float) -> str:
        return "2.6.12"

    def servers(self, backend: str) -> Sequence[Server]:
        return list(self.servers_by_backend.get(backend, []))

    def add_server(self, backend: str, name: str, addr: str, port: int, weight: int = 100, *, check: bool = False,
                   check_interval_ms: int = 1000, ready: bool = True) -> None:
        self.servers_by_backend.setdefault(backend, []).append(Server(name, f"{addr}:{port}", "MAINT"))

    def wait_checked(self, backend: str, name: str, deadline_s: float, sleep: object = None,
                     clock: object = None) -> bool:
        return True

    def ready(self, backend: str, name: str) -> None:
        for server in self.servers_by_backend[backend]:
            if server.name == name:
                server.status = "UP"

    def drain(self, backend: str, name: str) -> None:
        self.log.append(f"drain {backend}/{name}")

    def del_server(self, backend: str, name: str) -> None:
        for server in self.servers_by_backend.get(backend, []):
            if server.name == name:
                server.status = "MAINT"
                if server.static:
                    raise ProxyError(f"haproxy refused del {name}", f"del server {backend}/{name}", STATIC)
        self.servers_by_backend[backend] = [s for s in self.servers_by_backend.get(backend, []) if s.name != name]

    def retire(self, backend: str, name: str, deadline_s: float, sleep: object = None) -> bool:
        self.del_server(backend, name)
        return True


@dataclass
class Gateway(FakeGateway):
    runtime: Runtime = field(default_factory=Runtime)

    def proxy_runtime(self, host: str, port: int) -> Runtime:
        return self.runtime

    def signal(self, container_id: str, signal: str) -> None:
        """A reload: the new worker holds exactly what the members file lists (as static servers)."""
        super().signal(container_id, signal)
        self.runtime.log.append(signal)
        backends = parse_members(self.read_live_file(container_id, MEMBERS_PATH))
        self.runtime.servers_by_backend = {
            b.name: [Server(m.name, f"10.1.0.{i}:{m.port}", static=True) for i, m in enumerate(b.members)]
            for b in backends
        }


def _gateway(members: Sequence[Member] = ()) -> Gateway:
    gw = Gateway(images={"img": IMAGE})
    initial = render_members([Backend("web-8080", "http", tuple(members))])
    proxy = ContainerSpec(name=PROXY, image=IMAGE, labels={}, config_hash="", network="0-shop-proxy-admin",
                          ports=(PortBinding(9999, "tcp", 0, "127.0.0.1"),),
                          files=(FileMount(MEMBERS_PATH, initial, live=True),))
    web = ContainerSpec(name="shop-web-1-next", image=IMAGE, labels={}, config_hash="", network="shop")
    for spec in (proxy, web):
        gw.create_container(spec)
        gw.start(spec.name)
    return gw


def _members(gw: Gateway) -> dict[str, str]:
    return {m.name: m.host for b in parse_members(gw.read_live_file(PROXY, MEMBERS_PATH)) for m in b.members}


ADD = ProxyAddServer(id="a", service="web", cause="c", proxy=PROXY, backend="web-8080", server="web-1-r2",
                     container="shop-web-1-next", network="shop", port=8080, deadline_s=5.0)
REMOVE = ProxyRemoveServer(id="r", service="web", cause="c", proxy=PROXY, backend="web-8080", server="web-1-r1",
                           drain_s=1.0)


def test_a_join_is_written_with_the_replicas_dns_name_and_others_keep_theirs() -> None:
    gw = _gateway([Member("web-1-r1", "aaaaaaaaaaaa", 8080)])
    gw.runtime.servers_by_backend["web-8080"] = [Server("web-1-r1", "10.1.0.9:8080")]
    proxy_add(ADD, gw, FakeClock())
    replica = gw.by_name("shop-web-1-next").id[:12]
    assert _members(gw) == {"web-1-r1": "aaaaaaaaaaaa", "web-1-r2": replica}


def test_servers_being_added_or_removed_are_left_out_and_unresolved_ones_kept() -> None:
    gw = _gateway([Member("gone-1", "cccccccccccc", 8080)])
    gw.runtime.servers_by_backend["web-8080"] = [
        Server("up", "10.0.0.1:8080"), Server("down", "10.0.0.2:8080", "DOWN"),
        Server("adding", "10.0.0.3:8080", "MAINT"), Server("leaving", "10.0.0.4:8080", "DRAIN"),
        Server("gone-1", ":8080", "MAINT (resolution)"),
    ]  # fmt: skip
    persist_members(gw, gw.runtime, PROXY, Joined("web-8080", "up", "dddddddddddd"))
    assert _members(gw) == {"up": "dddddddddddd", "down": "10.0.0.2", "gone-1": "cccccccccccc"}


def test_a_server_from_the_file_leaves_through_a_reload_and_the_file() -> None:
    gw = _gateway([Member("web-1-r1", "aaaaaaaaaaaa", 8080), Member("web-2-r1", "bbbbbbbbbbbb", 8080)])
    gw.signal(PROXY, "SIGUSR2")  # as after a restart: both servers come from the file
    proxy_remove(REMOVE, gw, FakeClock())
    assert gw.runtime.log == ["SIGUSR2", "SIGUSR2"]
    assert [s.name for s in gw.runtime.servers("web-8080")] == ["web-2-r1"]
    assert _members(gw) == {"web-2-r1": "bbbbbbbbbbbb"}


def test_a_reload_that_does_not_take_the_server_out_fails_after_its_deadline() -> None:
    gw = _gateway([Member("web-1-r1", "aaaaaaaaaaaa", 8080)])
    gw.runtime.servers_by_backend["web-8080"] = [Server("web-1-r1", "10.0.0.1:8080", "MAINT", static=True)]
    gw.signal = lambda container_id, signal: None  # type: ignore[method-assign]  # the master never reloads
    with pytest.raises(ProxyError, match="after a reload"):
        reload_without(gw, gw.runtime, PROXY, "web-8080", "web-1-r1", FakeClock())


def test_a_proxy_without_a_members_file_is_left_alone() -> None:
    gw = _gateway()
    gw.live_files.clear()
    gw.runtime.servers_by_backend["web-8080"] = [Server("up", "10.0.0.1:8080")]
    persist_members(gw, gw.runtime, PROXY)
    assert gw.calls_to("write_live_file") == []
