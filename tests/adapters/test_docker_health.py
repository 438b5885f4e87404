"""Running a container's own health command through the engine (``run_health_check``), against the real engine.

The point of it: Docker 20.10 reports a container healthy only after its first scheduled check, one ``interval``
after start. With a 60 s interval, Docker still says ``starting`` while the command, run now, already passes.
"""

from __future__ import annotations

import dataclasses

import pytest

from engine.adapters.clock import SystemClock
from engine.adapters.docker import DockerSdkGateway
from engine.desire.types import HealthCheck
from engine.execute.health import wait_healthy
from engine.observe.types import ContainerState, Health
from tests.adapters.test_docker import sh_spec, web_spec
from tests.support.docker_fixtures import object_labels

pytestmark = pytest.mark.docker

SLOW = 60.0  # Docker's first own check would come a minute after start


def test_the_health_command_passes_before_docker_reports_healthy(
    gateway: DockerSdkGateway, app_name: str, busybox_image: str
) -> None:
    spec = web_spec(app_name)
    assert spec.health is not None
    spec = dataclasses.replace(spec, health=dataclasses.replace(spec.health, interval_s=SLOW, start_period_s=SLOW))
    container = gateway.create_container(spec)
    gateway.start(container)

    gate = wait_healthy(gateway, container, 30.0, SystemClock())

    assert gate.ok and gate.probed, gate
    assert gateway.inspect_health(container)[:2] == (ContainerState.RUNNING, Health.STARTING)
    assert gateway.run_health_check(container) is True


def test_a_failing_command_is_false_and_decides_nothing(
    gateway: DockerSdkGateway, app_name: str, busybox_image: str
) -> None:
    spec = dataclasses.replace(
        sh_spec(app_name, "worker", "sleep 300"),
        health=HealthCheck(("test", "-e", "/nonexistent"), SLOW, 2, 3, SLOW),
        init=True,
    )
    container = gateway.create_container(spec)
    gateway.start(container)

    assert gateway.run_health_check(container) is False
    assert gateway.inspect_health(container)[1] is Health.STARTING   # still Docker's to decide


def test_no_health_check_is_none(gateway: DockerSdkGateway, app_name: str, busybox_image: str) -> None:
    container = gateway.create_container(dataclasses.replace(sh_spec(app_name, "job", "sleep 300"), init=True))
    gateway.start(container)

    assert gateway.run_health_check(container) is None


def test_open_connections_counts_clients_of_the_container(
    gateway: DockerSdkGateway, app_name: str, busybox_image: str
) -> None:
    import socket

    network = f"{app_name}_default"
    gateway.ensure_network(network, object_labels(app_name))
    container = gateway.create_container(web_spec(app_name, network=network))
    gateway.start(container)
    assert wait_healthy(gateway, container, 30.0, SystemClock()).ok
    assert gateway.open_connections(container) == 0
    with socket.create_connection((gateway.container_ip(container, network), 8080), timeout=5):
        assert gateway.open_connections(container) == 1
