"""Run a container's own health command once, the way Docker runs it, through the engine's exec API.

Docker 20.10 runs a container's first health check one ``interval`` after start and has no ``start_interval``,
so a gate that waits for Docker's status waits that long even for a process that was ready in 50 ms. Running the
same command now, as an exec (the container's user, environment and working directory, which is how the engine
runs health checks), and taking its exit code is the same test: "healthy" means the command exited 0 within the
check's timeout, exactly as Docker decides it, only sooner. A failure decides nothing here: the container stays
"starting" until Docker's own checks say otherwise. Takes the SDK's client as ``api`` and imports nothing of it.
"""

from __future__ import annotations

import time
from typing import Any

DEFAULT_TIMEOUT_S = 30.0   # Docker's default health check timeout
POLL_S = 0.02


def health_argv(check: dict[str, Any]) -> list[str] | None:
    """The argv Docker would run for the inspect's ``Config.Healthcheck``, or None when there is none."""
    test = list(check.get("Test") or [])
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD" and len(test) > 1:
        return [str(part) for part in test[1:]]
    if test[0] == "CMD-SHELL" and len(test) == 2:
        return ["/bin/sh", "-c", str(test[1])]
    return None


def run_health_check(api: Any, container_id: str) -> bool | None:
    """True when the health command exited 0 within the check's timeout, False when it failed or ran out of
    time, None when the container has no health command."""
    attrs = api.inspect_container(container_id)
    check = (attrs.get("Config") or {}).get("Healthcheck") or {}
    argv = health_argv(check)
    if argv is None:
        return None
    timeout_s = (check.get("Timeout") or 0) / 1e9 or DEFAULT_TIMEOUT_S
    exec_id = api.exec_create(container_id, argv, stdout=False, stderr=False)["Id"]
    api.exec_start(exec_id, detach=True)
    deadline = time.monotonic() + timeout_s
    while True:
        info = api.exec_inspect(exec_id)
        if not info.get("Running") and info.get("ExitCode") is not None:
            return int(info["ExitCode"]) == 0
        if time.monotonic() >= deadline:
            return False   # Docker counts a check past its timeout as failed; the exec ends on its own
        time.sleep(POLL_S)


_LISTEN, _ESTABLISHED = "0A", "01"


def inbound_connections(pid: int, proc: str = "/proc") -> int | None:
    """Established TCP connections whose local port is one the namespace of process ``pid`` listens on (clients
    of the container, not its own outgoing calls), from ``/proc/<pid>/net/tcp`` and ``tcp6``; None when unreadable."""
    rows: list[tuple[str, str]] = []
    try:
        for name in ("tcp", "tcp6"):
            with open(f"{proc}/{pid}/net/{name}", encoding="ascii") as table:
                for line in table.readlines()[1:]:
                    fields = line.split()
                    if len(fields) > 3:
                        rows.append((fields[1].rsplit(":", 1)[-1], fields[3]))
    except OSError:
        return None
    listening = {port for port, state in rows if state == _LISTEN}
    return sum(1 for port, state in rows if state == _ESTABLISHED and port in listening)
