"""The one health-probe rule, shared by ``render`` (HEALTHCHECK, Compose) and ``apply`` (the container's check).

A built service is probed with what its own base image is known to have: Python probes itself with urllib (a
Python image has no curl or wget), Node with its http module, a static site with busybox's wget and nc. An
``image:`` service gets ``wget``/``nc`` for ``http``/``tcp`` checks, so such an image must have them on PATH
(busybox or GNU); an image without them takes an ``exec`` check with what it has (``curl``, ``pg_isready``...).
Kubernetes uses native httpGet and tcpSocket probes instead and needs nothing in the image.
"""

from __future__ import annotations

import json
import math

from engine.errors import RenderError
from engine.spec.model import Runtime, ServiceSpec
from engine.spec.quantity import duration_seconds


def probe_port(svc: ServiceSpec) -> int:
    health = svc.health
    assert health is not None
    probe = health.http or health.tcp
    if probe is not None and probe.port is not None:
        return probe.port
    if not svc.ports:
        raise RenderError("health check has no port")  # validate rejects this; kept as a guard
    return svc.ports[0].container


def health_command(svc: ServiceSpec) -> list[str]:
    """The command a container runs to check itself (exec form, without Docker's ``CMD`` marker)."""
    health = svc.health
    assert health is not None
    if health.exec is not None:
        return list(health.exec)
    port = probe_port(svc)
    timeout = max(1, math.ceil(duration_seconds(health.timeout)))
    runtime = svc.build.runtime if svc.build is not None else None
    if health.http is not None:
        return _http(runtime, f"http://127.0.0.1:{port}{health.http.path}", timeout)
    if runtime is Runtime.PYTHON:
        return ["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), {timeout}).close()"]
    if runtime is Runtime.NODE:
        code = (
            f"require('net').connect({port}, '127.0.0.1').on('connect', () => process.exit(0))"
            ".on('error', () => process.exit(1))"
        )
        return ["node", "-e", code]
    return ["nc", "-z", "127.0.0.1", str(port)]


def _http(runtime: Runtime | None, url: str, timeout: int) -> list[str]:
    if runtime is Runtime.PYTHON:
        return ["python3", "-c", f"import urllib.request as u; u.urlopen({url!r}, timeout={timeout})"]
    if runtime is Runtime.NODE:
        code = (
            f"require('http').get({json.dumps(url)}, {{timeout: {timeout * 1000}}}, "
            "r => process.exit(r.statusCode < 400 ? 0 : 1)).on('error', () => process.exit(1))"
        )
        return ["node", "-e", code]
    # No -T: Debian's static busybox wget crashes with it; the health check's own timeout bounds the probe.
    return ["wget", "-q", "-O", "/dev/null", url]
