"""Converters from captured engine answers (Docker 20.10, API 1.41) to the frozen observed types."""

from __future__ import annotations

from typing import Any

from engine import labels as L
from engine.desire.types import PortBinding
from engine.observe.parse import container_from_inspect, normalize_ref, ports_from_inspect, resolve_images
from engine.observe.types import ContainerState, Health

INSPECT: dict[str, Any] = {
    "Id": "c0ffee",
    "Name": "/shop-web-2",
    "Image": "sha256:aa",
    "State": {"Status": "running", "ExitCode": 0, "Health": {"Status": "healthy"}},
    "Config": {
        "Labels": {L.APP: "shop", L.SERVICE: "web", L.SLOT: "2", L.REVISION: "7", L.CONFIG_HASH: "h1"},
        "ExposedPorts": {"8080/tcp": {}, "9090/tcp": {}},
    },
    "HostConfig": {
        "NanoCpus": 500000000,
        "Memory": 0,
        "MemoryReservation": 1024,
        "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
        "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
    },
    "NetworkSettings": {
        "Ports": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32768"}], "9090/tcp": None},
        "Networks": {"shop_default": {"Aliases": ["web", "c0ffee"]}},
    },
}


def test_container_from_inspect() -> None:
    c = container_from_inspect(INSPECT)
    assert (c.id, c.name, c.app, c.service, c.slot, c.revision, c.config_hash) == (
        "c0ffee", "shop-web-2", "shop", "web", 2, 7, "h1",
    )  # fmt: skip
    assert (c.state, c.health, c.exit_code, c.image_id) == (ContainerState.RUNNING, Health.HEALTHY, None, "sha256:aa")
    assert (c.nano_cpus, c.mem_limit, c.mem_reservation, c.restart) == (500000000, None, 1024, "unless-stopped")
    assert c.ports == (PortBinding(8080, "tcp", 32768, "127.0.0.1"), PortBinding(9090, "tcp", None))
    assert c.networks == {"shop_default": ("c0ffee", "web")}


def test_stopped_container_reports_configured_ports_and_exit_code() -> None:
    stopped = {**INSPECT, "State": {"Status": "exited", "ExitCode": 137}, "NetworkSettings": {"Ports": {}}}
    c = container_from_inspect(stopped)
    assert (c.state, c.health, c.exit_code) == (ContainerState.EXITED, Health.NONE, 137)
    assert ports_from_inspect(stopped)[0] == PortBinding(8080, "tcp", 0, "127.0.0.1")


def test_malformed_labels_become_neutral_values() -> None:
    c = container_from_inspect({"Id": "x", "Name": "/x", "Config": {"Labels": {L.SLOT: "two"}}, "State": {}})
    assert (c.slot, c.service, c.revision, c.state, c.restart) == (0, "", 0, ContainerState.DEAD, "no")


def test_normalize_ref() -> None:
    assert normalize_ref("docker.io/library/busybox") == "busybox:latest"
    assert normalize_ref("docker.io/acme/app:1") == "acme/app:1"
    assert normalize_ref("localhost:5000/app") == "localhost:5000/app:latest"
    assert normalize_ref("busybox@sha256:" + "a" * 64) == "busybox@sha256:" + "a" * 64


def test_resolve_images() -> None:
    digest = "sha256:" + "b" * 64
    images = [
        {"Id": "sha256:" + "1" * 64, "RepoTags": ["busybox:1.36", "busybox:latest"], "RepoDigests": []},
        {"Id": "sha256:" + "2" * 64, "RepoTags": None, "RepoDigests": [f"acme/app@{digest}"]},
    ]
    refs = ["busybox", "docker.io/library/busybox:1.36", f"acme/app:1@{digest}", "sha256:" + "2" * 12, "gone:1"]
    assert resolve_images(refs, images) == {
        "busybox": "sha256:" + "1" * 64,
        "docker.io/library/busybox:1.36": "sha256:" + "1" * 64,
        f"acme/app:1@{digest}": "sha256:" + "2" * 64,
        "sha256:" + "2" * 12: "sha256:" + "2" * 64,
    }
