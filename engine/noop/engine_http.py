"""Just enough of the Docker Engine API, over its Unix socket with the standard library, to fingerprint an app's
objects. The full commands talk to the engine through the SDK (``engine.adapters.docker``); this reader exists
because importing the SDK and requests costs more than the whole no-op it serves. Read-only: it only GETs.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

DEFAULT_SOCKET = "/var/run/docker.sock"
TIMEOUT_S = 30.0


class EngineUnavailable(Exception):
    """Not a local Unix-socket engine, or it did not answer as expected: the caller takes the full path."""


def socket_path(environ: Mapping[str, str]) -> str:
    host = environ.get("DOCKER_HOST", "")
    if not host:
        return DEFAULT_SOCKET
    if host.startswith("unix://"):
        return host.removeprefix("unix://")
    raise EngineUnavailable(f"DOCKER_HOST {host} is not a Unix socket")


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT_S)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT_S)
        sock.connect(self._path)
        self.sock = sock


def get(path: str, url: str) -> Any:
    """GET ``url`` on the engine at ``path``; the decoded JSON, or None on 404."""
    conn = _UnixConnection(path)
    try:
        conn.request("GET", url)
        response = conn.getresponse()
        body = response.read()
    except OSError as exc:
        raise EngineUnavailable(str(exc)) from exc
    finally:
        conn.close()
    if response.status == 404:
        return None
    if response.status != 200:
        raise EngineUnavailable(f"GET {url}: HTTP {response.status}")
    return json.loads(body)


def _filters(labels: list[str]) -> str:
    return quote(json.dumps({"label": labels}))


def app_objects(path: str, labels: list[str], image_refs: list[str]) -> dict[str, Any]:
    """Every container of the app (inspected, as the full observe does), its networks and volumes, and the image
    ID of each reference; concurrently, on a few connections."""
    listed = get(path, f"/containers/json?all=1&filters={_filters(labels)}") or []
    ids = sorted(str(entry["Id"]) for entry in listed)
    with ThreadPoolExecutor(max_workers=8) as pool:
        networks = pool.submit(get, path, f"/networks?filters={_filters(labels)}")
        volumes = pool.submit(get, path, f"/volumes?filters={_filters(labels)}")
        images = [pool.submit(get, path, f"/images/{quote(ref, safe='')}/json") for ref in image_refs]
        inspects = list(pool.map(lambda i: get(path, f"/containers/{i}/json"), ids))
        return {
            "containers": inspects,
            "networks": networks.result(),
            "volumes": (volumes.result() or {}).get("Volumes"),
            "images": {ref: (found.result() or {}).get("Id") for ref, found in zip(image_refs, images, strict=True)},
        }
