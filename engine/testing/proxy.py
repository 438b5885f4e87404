"""A fake proxy runtime API (``engine.ports.ProxyApi``): backends in memory, every command in ``log``.

What HAProxy would be told is what the tests assert; the real HAProxy is covered by tests/proxy and the e2e tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.ports import ProxyApi


@dataclass
class FakeServer:
    """One server with the counters a canary is judged by; ``checked`` is what HAProxy's own check would say."""

    name: str
    addr: str
    requests: int = 0
    errors: int = 0
    state: str = "maint"
    checked: bool = True
    weight: int = 100
    rtime: int = 0

    @property
    def status(self) -> str:
        """HAProxy's status column: UP once set ready, DRAIN once drained, MAINT while added but not in rotation."""
        return {"ready": "UP", "drain": "DRAIN"}.get(self.state, "MAINT")


@dataclass
class FakeProxyRuntime:
    backends: dict[str, dict[str, FakeServer]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def wait_ready(self, deadline_s: float) -> str:
        return "2.6.12"

    def servers(self, backend: str) -> Sequence[FakeServer]:
        return list(self.backends.get(backend, {}).values())

    def server_names(self) -> Mapping[str, tuple[str, ...]]:
        return {backend: tuple(servers) for backend, servers in self.backends.items()}

    def add_server(self, backend: str, name: str, addr: str, port: int, weight: int = 100, *, check: bool = False,
                   check_interval_ms: int = 1000, ready: bool = True) -> None:
        self.log.append(f"add {backend}/{name} {addr}:{port} check={check} ready={ready}")
        self.backends.setdefault(backend, {})[name] = FakeServer(name, f"{addr}:{port}")

    def wait_checked(self, backend: str, name: str, deadline_s: float, sleep: Callable[[float], None] = print,
                     clock: Callable[[], float] = float) -> bool:
        return self.backends[backend][name].checked

    def ready(self, backend: str, name: str) -> None:
        self.log.append(f"ready {backend}/{name}")
        self.backends[backend][name].state = "ready"

    def drain(self, backend: str, name: str) -> None:
        self.log.append(f"drain {backend}/{name}")
        self.backends[backend][name].state = "drain"

    def del_server(self, backend: str, name: str) -> None:
        self.log.append(f"del {backend}/{name}")
        self.backends.get(backend, {}).pop(name, None)

    def retire(self, backend: str, name: str, deadline_s: float, sleep: Callable[[float], None] = print) -> bool:
        self.log.append(f"retire {backend}/{name} {deadline_s:g}")
        self.backends.get(backend, {}).pop(name, None)
        return True


if TYPE_CHECKING:
    _proxy: ProxyApi = FakeProxyRuntime()
