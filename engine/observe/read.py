"""Observing one app: the gateway's label-filtered lists, plus the members of its running proxy's backends.

This is the whole of what "observe" costs: one ``gateway.observe`` (a constant number of list calls) and, when the
spec fronts services with the proxy, one request to its runtime API. Use cases call it once before the lock (to
plan) and once after it (to refuse a stale plan), never more.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from engine.desire.types import PROXY_SERVICE
from engine.errors import ShipspecError
from engine.observe.types import ContainerState, ObservedState
from engine.ports import DockerGateway
from engine.proxy.config import ADMIN_PORT

PROXY_ANSWER_S = 3.0  # a proxy that does not answer this fast is treated as empty (the plan re-adds every replica)


def observe_app(gateway: DockerGateway, app: str, image_refs: Iterable[str] = (), *, proxy: bool) -> ObservedState:
    """The app as the engine sees it; with ``proxy``, its proxy's backend members too."""
    observed = gateway.observe(app, sorted(set(image_refs)))
    if proxy:
        observed = dataclasses.replace(observed, proxy_members=proxy_members(gateway, observed))
    return observed


def proxy_members(gateway: DockerGateway, observed: ObservedState) -> dict[str, tuple[str, ...]]:
    """Backend → server names of the app's running proxy, through its runtime API on 127.0.0.1. No proxy, or one
    that does not answer within a few seconds: empty, and the plan adds every current replica again."""
    proxies = [c for c in observed.containers if c.service == PROXY_SERVICE and c.state is ContainerState.RUNNING]
    if not proxies:
        return {}
    try:
        port = gateway.published_port(proxies[0].id, ADMIN_PORT)
        return dict(gateway.proxy_runtime("127.0.0.1", port, PROXY_ANSWER_S).server_names())
    except ShipspecError:
        return {}
