"""Health gates: wait until a container is healthy (or running, when it has no health check), with a deadline.

Why a deadline on every wait: a health check that never turns green must fail the apply and trigger rollback, not
hang it (Helm's and Compose's ``--wait`` both have waited forever). A container that exits or turns unhealthy fails
the gate at once: Docker only reports ``unhealthy`` after ``retries`` failures past the start period, so there is
nothing left to wait for.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.observe.types import ContainerState, Health
from engine.ports import Clock, DockerGateway

POLL_FIRST = 0.1
POLL_MAX = 1.0


@dataclass(frozen=True)
class GateResult:
    ok: bool
    waited: float
    reason: str = ""   # why the gate failed, in words


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
        last = f"{state.value}, health {health.value}"
        if waited >= deadline_s:
            return GateResult(False, waited, f"{container} not healthy after {deadline_s:g}s (last seen: {last})")
        clock.sleep(min(delay, max(0.0, deadline_s - waited)))
        delay = min(delay * 2, POLL_MAX)
