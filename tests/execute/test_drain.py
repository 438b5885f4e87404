"""Drains end when the last client connection ends (scripted by the fake), at ``drain_s`` at the latest, and wait
the whole ``drain_s`` when the engine cannot tell. ``inbound_connections`` reads /proc's TCP tables."""

from __future__ import annotations

from pathlib import Path

from engine.adapters.docker_exec import inbound_connections
from engine.execute.drain import drain_connections
from engine.observe.types import ContainerState, Health, ObservedContainer
from engine.testing import FakeClock, FakeGateway


def _gateway(counts: list[int] | None) -> FakeGateway:
    gateway = FakeGateway()
    gateway.add_container(ObservedContainer(id="c" * 64, name="web-1", app="shop", service="web", slot=1,
                                            revision=1, config_hash="h", image_id="i", state=ContainerState.RUNNING,
                                            health=Health.HEALTHY, labels={}))
    if counts is not None:
        gateway.connections["web-1"] = counts
    return gateway


def test_the_drain_ends_once_the_last_connection_closed() -> None:
    clock = FakeClock()
    waited = drain_connections(_gateway([3, 1, 0, 0]), "web-1", 30.0, clock)
    assert waited < 0.5 and len(clock.sleeps) == 3


def test_a_connection_that_never_closes_is_cut_at_the_drain_period() -> None:
    clock = FakeClock()
    assert drain_connections(_gateway([1]), "web-1", 2.0, clock) >= 2.0


def test_without_a_count_the_whole_period_is_waited() -> None:
    clock = FakeClock()
    assert drain_connections(_gateway(None), "web-1", 2.0, clock) == 2.0


TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 1 1
   1: 0200A8C0:1F90 0100A8C0:D431 01 00000000:00000000 00:00000000 00000000 10001        0 2 1
   2: 0200A8C0:9C40 0300A8C0:1538 01 00000000:00000000 00:00000000 00000000 10001        0 3 1
   3: 0200A8C0:1F90 0100A8C0:D432 06 00000000:00000000 00:00000000 00000000 10001        0 4 1
"""


def test_only_established_connections_to_a_listening_port_count(tmp_path: Path) -> None:
    net = tmp_path / "42" / "net"
    net.mkdir(parents=True)
    (net / "tcp").write_text(TCP, encoding="ascii")
    (net / "tcp6").write_text(TCP.splitlines()[0] + "\n", encoding="ascii")
    assert inbound_connections(42, proc=str(tmp_path)) == 1   # port 8080 in; the outgoing call and TIME_WAIT not
    assert inbound_connections(43, proc=str(tmp_path)) is None
