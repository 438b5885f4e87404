"""The shipped fake keeps the gateway's contract, so executor tests written against it mean something."""

from __future__ import annotations

import pytest

from engine import labels as L
from engine.desire.types import ContainerSpec, HealthCheck
from engine.errors import EngineError, NotFoundError
from engine.observe.types import ContainerState, Health
from engine.ports import Clock, DockerGateway
from engine.testing import FakeClock, FakeGateway


def spec(name: str = "shop-web-1", **labels: str) -> ContainerSpec:
    return ContainerSpec(
        name=name,
        image="busybox:1.36",
        labels={L.APP: "shop", L.SERVICE: "web", L.SLOT: "1", **labels},
        config_hash="h",
        secret_env={"TOKEN": "secret"},
        health=HealthCheck(("true",), 1, 1, 1, 0),
    )


def test_fake_records_calls_and_follows_the_lifecycle() -> None:
    gw = FakeGateway(images={"busybox:1.36": "sha256:aa"})
    assert isinstance(gw, DockerGateway) and isinstance(FakeClock(), Clock)
    container = gw.create_container(spec())
    assert gw.inspect_health(container) == (ContainerState.CREATED, Health.NONE, None)
    gw.start(container)
    assert gw.inspect_health(container) == (ContainerState.RUNNING, Health.HEALTHY, None)
    gw.update_resources(container, None, 64, None, "always")
    (seen,) = gw.observe("shop", ["busybox:1.36", "missing:1"]).containers
    assert (seen.slot, seen.mem_limit, seen.restart, seen.image_id) == (1, 64, "always", "sha256:aa")
    assert "secret" not in repr(gw.calls) and "secret" not in str(seen.labels)
    gw.stop(container, 10)
    gw.remove(container)
    gw.remove(container)
    assert gw.observe("shop").containers == ()
    assert gw.method_names() == [
        "create_container", "inspect_health", "start", "inspect_health", "update_resources", "observe",
        "stop", "remove", "remove", "observe",
    ]  # fmt: skip


def test_fake_injects_failures_and_refuses_unknowns() -> None:
    gw = FakeGateway(images={"busybox:1.36": "sha256:aa"})
    gw.fail_on("create_container", nth=2)
    gw.create_container(spec("a"))
    with pytest.raises(EngineError, match="injected"):
        gw.create_container(spec("b"))
    gw.create_container(spec("b"))
    with pytest.raises(EngineError, match="already in use"):
        gw.create_container(spec("b"))
    with pytest.raises(NotFoundError):
        gw.create_container(ContainerSpec(name="c", image="nope:1", labels={}, config_hash="h"))
    with pytest.raises(NotFoundError):
        gw.start("unknown")


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    start = clock.monotonic()
    clock.sleep(1.5)
    clock.advance(2)
    assert clock.monotonic() - start == 3.5 and clock.sleeps == [1.5]


def test_fake_pull_serves_only_what_the_registry_has() -> None:
    gw = FakeGateway(pullable={"busybox:1.36": "sha256:aa"})
    assert gw.image_id("busybox:1.36") is None
    assert gw.pull_image("busybox:1.36") == "sha256:aa" == gw.image_id("busybox:1.36")
    with pytest.raises(EngineError, match="pulling nope:1 failed"):
        gw.pull_image("nope:1")
