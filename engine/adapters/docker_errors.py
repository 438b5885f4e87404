"""The one-line message for an engine that does not answer, dug out of requests' and urllib3's wrappers.

A refused connection reaches us as ConnectionError(MaxRetryError(NewConnectionError(ConnectionRefusedError)));
users need "Connection refused" and what to do, not that chain. Must not import ``docker``.
"""

from __future__ import annotations

import os

DEFAULT_HOST = "unix:///var/run/docker.sock"


def innermost_reason(exc: BaseException) -> str:
    """The innermost OS-level reason ("Connection refused") buried in requests' wrapped exceptions."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending.extend(item for item in nested if isinstance(item, BaseException))
    text = str(exc).strip().splitlines()
    return text[-1][:200] if text else type(exc).__name__


def unreachable_message(exc: BaseException) -> str:
    host = os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    return (
        f"cannot reach the Docker engine at {host}: {innermost_reason(exc)}. "
        "Start it (scripts/docker-up) or set DOCKER_HOST"
    )
