"""shipspec's proxy in the rendered Compose file, for services whose replicas share one host port.

Compose publishes a port per container, so three replicas of ``web`` on host port 8080 collide and ``docker
compose up`` fails where shipspec, fronting them with HAProxy, serves. The rendered file therefore carries the
proxy too: a ``shipspec-proxy`` service publishing those ports, whose backends follow each service's Compose DNS
name (one A record per replica) through Docker's embedded DNS (``engine.proxy.dns_config``, the same file a Swarm
proxy runs), while the replicas only ``expose`` their port. A single replica keeps publishing its own port: it
collides with nothing, and Compose recreates it stop-first either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.desire.proxy import spec_frontends
from engine.desire.types import PROXY_SERVICE
from engine.proxy.config import BINARY, CONFIG_PATH
from engine.proxy.dns_config import render_dns_proxy_config
from engine.render.context import RenderContext

CONFIG_KEY = f"{PROXY_SERVICE}_haproxy"
CONFIG_FILE = f"compose/{PROXY_SERVICE}/haproxy.cfg"


ShortPort = Callable[[str, int | None, int, str], str]  # (host IP, host port, container port, protocol) → text


def add_proxy(ctx: RenderContext, doc: dict[str, Any], written: dict[str, str], short_port: ShortPort) -> None:
    """Front every replicated service's published TCP ports with the proxy in ``doc`` (in place), its config
    added to ``written``; nothing when the spec turns the proxy off or no replicated service publishes a port.
    ``short_port`` writes a port the way the rest of the file does."""
    if not ctx.spec.proxy.enabled:
        return
    fronts = {
        name: pairs for name, pairs in spec_frontends(ctx.spec).items() if ctx.spec.services[name].replicas > 1
    }
    if not fronts:
        return
    rows, ports = [], []
    for name in sorted(fronts):
        moved, exposed = set(), []
        for fe, binding in fronts[name]:
            rows.append((fe.name, fe.bind_port, name, fe.target_port, fe.mode))
            ports.append(short_port(binding.host_ip, binding.host, fe.bind_port, "tcp"))
            moved.add(short_port(binding.host_ip, binding.host, binding.container, "tcp"))
            exposed.append(str(binding.container))
        doc["services"][name] = _exposed(doc["services"][name], moved, exposed)
    doc["services"][PROXY_SERVICE] = {
        "image": ctx.spec.proxy.image.replace("$", "$$"),
        "command": [BINARY, "-db", "-f", CONFIG_PATH],
        "configs": [{"source": CONFIG_KEY, "target": CONFIG_PATH}],
        "ports": ports,
        "depends_on": {name: {"condition": "service_started"} for name in sorted(fronts)},
        "restart": "unless-stopped",
        "stop_grace_period": "10s",
    }
    written[CONFIG_FILE] = render_dns_proxy_config(rows)
    configs = doc.setdefault("configs", {})
    configs[CONFIG_KEY] = {"file": f"./{CONFIG_FILE}"}
    doc["configs"] = {k: configs[k] for k in sorted(configs)}


def _exposed(service: dict[str, Any], moved: set[str], exposed: list[str]) -> dict[str, Any]:
    """``service`` with the ``moved`` published ports taken out and their container ports ``expose``d, in the
    place the ports had (the file reads in the same order as every other service)."""
    out: dict[str, Any] = {}
    for key, value in service.items():
        if key == "ports":
            kept = [p for p in value if p not in moved]
            if kept:
                out["ports"] = kept
            out["expose"] = list(dict.fromkeys([*service.get("expose", []), *exposed]))
        elif key != "expose":
            out[key] = value
    return out
