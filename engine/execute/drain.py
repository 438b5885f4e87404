"""A drain that ends when the last in-flight request ends, not after a fixed wait.

Once a replica has left the service's DNS alias, no new client finds it; the ones already connected finish their
requests. The drain polls how many client connections the replica still has open (``open_connections``) and ends
as soon as it has seen none ``QUIET_POLLS`` times in a row, or at ``drain_s`` (the spec's ``strategy.drain``,
now an upper bound). Where the engine cannot tell (another host, no such files), it waits ``drain_s`` as before.
"""

from __future__ import annotations

from engine.errors import EngineError
from engine.ports import Clock, DockerGateway

POLL_S = 0.05
QUIET_POLLS = 2


def drain_connections(gateway: DockerGateway, container: str, drain_s: float, clock: Clock) -> float:
    """Wait until ``container`` has no client connections (or ``drain_s`` passed); returns the seconds waited."""
    start = clock.monotonic()
    quiet = 0
    while True:
        waited = clock.monotonic() - start
        if waited >= drain_s:
            return waited
        try:
            count = gateway.open_connections(container)
        except EngineError:
            count = None
        if count is None:
            clock.sleep(drain_s - waited)
            return clock.monotonic() - start
        quiet = quiet + 1 if count == 0 else 0
        if quiet >= QUIET_POLLS:
            return waited
        clock.sleep(min(POLL_S, drain_s - waited))
