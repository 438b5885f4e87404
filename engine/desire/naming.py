"""Every name shipspec gives an engine object, in one place, and the one name it parses back (a replica's slot).

Network ``<app>``, the proxy's admin network ``0-<app>-proxy-admin``, volume ``<app>_<name>``, container
``<app>-<service>-<slot>`` with slots 1..replicas (``…-next`` while a replacement waits beside the old replica),
proxy server ``<service>-<slot>-r<revision>``.
"""

from __future__ import annotations


def volume_name(app: str, name: str) -> str:
    return f"{app}_{name}"


def container_name(app: str, service: str, slot: int) -> str:
    return f"{app}-{service}-{slot}"


def temp_container_name(app: str, service: str, slot: int) -> str:
    """Where a replacement waits beside the old replica until it is healthy and the old one is gone."""
    return f"{container_name(app, service, slot)}-next"


def admin_network_name(app: str) -> str:
    """The proxy's admin network: only the proxy joins it. Its name sorts before the app network's (``0`` before
    any letter), because Docker publishes a multi-network container's ports on the network whose name sorts first
    (verified on Docker 20.10): the admin port must be published here, where HAProxy listens for it."""
    return f"0-{app}-proxy-admin"


def server_name(service: str, slot: int, revision: int) -> str:
    return f"{service}-{slot}-r{revision}"


def slot_of(container: str) -> int:
    """The slot in a container name made by :func:`container_name` or :func:`temp_container_name` (0 if none)."""
    slot = container.removesuffix("-next").rpartition("-")[2]
    return int(slot) if slot.isdigit() else 0
