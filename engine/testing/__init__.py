"""Test doubles shipped with the package, one per port of ``engine.ports`` (structlog's and Helm's habit).

    gw = FakeGateway(images={"busybox:1.36": "sha256:aa…"})   # engine, apply lock and proxy runtime in memory
    gw.fail_on("start", nth=2)                                 # the second start() raises EngineError
    store, clock = InMemoryHistoryStore(), FakeClock()        # history without a file, time without waiting

The real implementations are tested against the real engine and a real SQLite file; none of these imports
``docker``.
"""

from engine.testing.clock import FakeClock
from engine.testing.gateway import Call, FakeGateway, container_from_spec
from engine.testing.history import InMemoryHistoryStore
from engine.testing.proxy import FakeProxyRuntime, FakeServer

__all__ = [
    "Call",
    "FakeClock",
    "FakeGateway",
    "FakeProxyRuntime",
    "FakeServer",
    "InMemoryHistoryStore",
    "container_from_spec",
]
