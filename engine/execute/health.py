"""Health gates: wait until a container is healthy (or running, when it has no health check), with a deadline.

Why a deadline on every wait: a health check that never turns green must fail the apply and trigger rollback, not
hang it (Helm's and Compose's ``--wait`` both have waited forever). A container that exits or turns unhealthy fails
the gate at once: Docker only reports ``unhealthy`` after ``retries`` failures past the start period, so there is
nothing left to wait for.

Learning "healthy" sooner: while Docker still says ``starting``, the gate runs the container's own health command
itself (``run_health_check``: an exec, as Docker runs it) at a short, growing interval. One pass is what Docker
needs to call a container healthy, so a pass opens the gate; a failure decides nothing (Docker's own checks, with
their retries, still decide "unhealthy"). Docker 20.10 runs its first check one ``interval`` after start, so for a
chain of N services this saves up to N intervals. At most ``MAX_PROBES`` run concurrently, since each exec costs
the engine tens of milliseconds of CPU.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from engine.observe.types import ContainerState, Health
from engine.ports import Clock, DockerGateway

POLL_FIRST = 0.05
POLL_MAX = 1.0
MAX_PROBES = 8
_probes = threading.BoundedSemaphore(MAX_PROBES)


@dataclass(frozen=True)
class GateResult:
    ok: bool
    waited: float
    reason: str = ""   # why the gate failed, in words
    probed: bool = False   # opened by running the health command, before Docker's own check reported


def _passes_now(gateway: DockerGateway, container: str) -> bool:
    with _probes:
        return gateway.run_health_check(container) is True


def wait_healthy(gateway: DockerGateway, container: str, deadline_s: float, clock: Clock) -> GateResult:
    """Poll ``container`` until it is healthy (or running without a health check), failed, or past the deadline."""
    start = clock.monotonic()
    delay = POLL_FIRST
    last = "not inspected yet"
    while True:
        state, health, exit_code = gateway.inspect_health(container)
        waited = clock.monotonic() - start
        if state is ContainerState.RUNNING and health in (Health.HEALTHY, Health.NONE):
            return GateResult(True, waited)
        if state in (ContainerState.EXITED, ContainerState.DEAD):
            return GateResult(False, waited, f"{container} exited with code {exit_code} before becoming healthy")
        if health is Health.UNHEALTHY:
            return GateResult(False, waited, f"{container} is unhealthy (its health check failed)")
        if state is ContainerState.RUNNING and health is Health.STARTING and _passes_now(gateway, container):
            return GateResult(True, clock.monotonic() - start, probed=True)
        last = f"{state.value}, health {health.value}"
        if waited >= deadline_s:
            return GateResult(False, waited, f"{container} not healthy after {deadline_s:g}s (last seen: {last})")
        clock.sleep(min(delay, max(0.0, deadline_s - waited)))
        delay = min(delay * 2, POLL_MAX)
