"""Watching one Swarm service until its change is done, failed or out of time (every wait has a deadline).

Done: the engine reports the update completed (or no update, for a new service or an in-place change) and the
wanted number of tasks created with the new task hash are running (Swarm reports a task running only once its
health check passed), with no task of an older hash still running. Failed: the engine paused or started rolling
back (``failure_action: rollback``), or the deadline passed; the message names the tasks that did not make it and
the nodes they were on, so a dead worker shows up by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.swarm.state import SwarmNode, SwarmObservedService, SwarmTask

FAILED_UPDATE = ("paused", "rollback_started", "rollback_paused", "rollback_completed")
POLL_S = 0.5


class ServiceReader(Protocol):
    def service(self, service_id: str) -> SwarmObservedService: ...

    def tasks(self, service_id: str) -> list[tuple[SwarmTask, str]]: ...


@dataclass(frozen=True)
class Want:
    service_id: str
    name: str
    task_hash: str
    replicas: int | None  # None: global (at least one task); jobs count completions
    job: bool = False


def deadline_seconds(replicas: int, parallelism: int, health_deadline_s: float, monitor_s: float) -> float:
    """Each batch of ``parallelism`` tasks may take the health deadline plus the monitor period."""
    batches = max(1, math.ceil(max(1, replicas) / max(1, parallelism)))
    return batches * (health_deadline_s + monitor_s) + 10.0


def check(reader: ServiceReader, want: Want) -> tuple[bool, str | None]:
    """(done, failure): one look at the service and its tasks."""
    svc = reader.service(want.service_id)
    if svc.update_state in FAILED_UPDATE:
        return False, f"service {want.name}: update {svc.update_state}: {svc.update_message or 'no message'}"
    tasks = reader.tasks(want.service_id)
    if want.job:
        done = sum(1 for t, h in tasks if h == want.task_hash and t.state == "complete")
        return done >= (want.replicas or 1), None
    new = [t for t, h in tasks if h == want.task_hash and t.desired_state == "running" and t.state == "running"]
    old = [t for t, h in tasks if h != want.task_hash and t.state == "running"]
    enough = len(new) >= want.replicas if want.replicas is not None else bool(new)
    return enough and not old and svc.update_state in ("", "completed"), None


def wait(
    reader: ServiceReader,
    want: Want,
    deadline_s: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    nodes: Sequence[SwarmNode] = (),
) -> str | None:
    """None when done; else why not."""
    end = clock() + deadline_s
    while True:
        done, failure = check(reader, want)
        if failure is not None:
            return failure + stragglers(reader.tasks(want.service_id), want.task_hash, nodes)
        if done:
            return None
        if clock() >= end:
            return (f"service {want.name}: not converged within {deadline_s:.0f} s"
                    + stragglers(reader.tasks(want.service_id), want.task_hash, nodes))
        sleep(POLL_S)


def wait_rolled_back(
    reader: ServiceReader, service_id: str, name: str, deadline_s: float,
    clock: Callable[[], float], sleep: Callable[[float], None],
) -> str | None:
    end = clock() + deadline_s
    while True:
        state = reader.service(service_id).update_state
        if state == "rollback_completed":
            return None
        if state == "rollback_paused":
            return f"service {name}: the engine paused its rollback"
        if clock() >= end:
            return f"service {name}: rollback not finished within {deadline_s:.0f} s (state {state or 'none'})"
        sleep(POLL_S)


def stragglers(tasks: Sequence[tuple[SwarmTask, str]], task_hash: str, nodes: Sequence[SwarmNode]) -> str:
    """The new tasks that are not running, with their node and the engine's message: ``; web.2 on n3 (down): …``."""
    by_id: Mapping[str, SwarmNode] = {n.id: n for n in nodes}
    out = []
    for t, h in tasks:
        if h != task_hash or t.state == "running":
            continue
        node = by_id.get(t.node_id)
        where = f" on {node.hostname} ({node.state})" if node else ""
        out.append(f"task {t.slot or t.id[:12]}{where}: {t.state} {t.error or t.message}".rstrip())
    return ("; " + "; ".join(out[-4:])) if out else ""
