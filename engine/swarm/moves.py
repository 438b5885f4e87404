"""Which tasks moved to another node, and why: what an operator asks after a node died or was drained.

Swarm keeps a few old tasks per slot (``TaskHistoryRetentionLimit``), so the tasks that ran a slot before the
current one are still listed. A slot whose current task runs on another node than an earlier task of it, where that
node is now down, drained or paused, or where that task failed, moved because of the node (the newest such task
names it, even when a rolling update replaced the moved task since); an ordinary rolling update that places a new
task elsewhere is no move worth naming. Pure: reads observed tasks and nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.swarm.state import SwarmNode, SwarmObserved, SwarmTask


@dataclass(frozen=True, slots=True)
class Move:
    service: str
    slot: int
    from_node: str
    to_node: str
    reason: str   # "n3 drain", "n3 down", "failed on n3: <error>"

    def describe(self) -> str:
        return f"{self.service}.{self.slot} {self.from_node} → {self.to_node} ({self.reason})"


def instant(stamp: str) -> tuple[str, str]:
    """A sortable form of the engine's time (``2026-12-02T10:00:00.12345Z``: the fraction's length varies)."""
    whole, _, rest = stamp.partition(".")
    digits = "".join(ch for ch in rest if ch.isdigit())
    return whole.rstrip("Z"), digits.ljust(9, "0")


def moved_tasks(observed: SwarmObserved) -> list[Move]:
    """Every replicated slot whose current task left a node that went away (or failed there), oldest first."""
    names = {s.id: name for name, s in observed.services.items()}
    nodes = {n.id: n for n in observed.nodes}
    slots: dict[tuple[str, int], list[SwarmTask]] = {}
    for task in observed.tasks:
        if task.slot is not None and task.service_id in names:
            slots.setdefault((task.service_id, task.slot), []).append(task)
    out: list[Move] = []
    for (service_id, slot), tasks in sorted(slots.items(), key=lambda kv: (names[kv[0][0]], kv[0][1])):
        ordered = sorted(tasks, key=lambda t: instant(t.created_at))
        current = next((i for i in range(len(ordered) - 1, -1, -1) if ordered[i].desired_state == "running"), None)
        if current is None or current == 0:  # none running, or nothing ran the slot before it
            continue
        now = ordered[current]
        # The newest earlier task of the slot that ran elsewhere on a node that went away: a rolling update after
        # the move replaces the moved task again, so the task just before the current one can be on a good node.
        for before in reversed(ordered[:current]):
            if before.node_id and now.node_id and before.node_id != now.node_id and (reason := _why(before, nodes)):
                host, to = _host(before.node_id, nodes), _host(now.node_id, nodes)
                out.append(Move(names[service_id], slot, host, to, reason))
                break
    return out


def _host(node_id: str, nodes: Mapping[str, SwarmNode]) -> str:
    node = nodes.get(node_id)
    return node.hostname if node is not None and node.hostname else node_id[:12]


def _why(before: SwarmTask, nodes: Mapping[str, SwarmNode]) -> str:
    node = nodes.get(before.node_id)
    host = _host(before.node_id, nodes)
    if node is None:
        return f"{host} left the swarm"
    if node.state != "ready":
        return f"{host} {node.state}"
    if node.availability != "active":
        return f"{host} {node.availability}"
    if before.state in ("failed", "rejected"):
        return f"{before.state} on {host}" + (f": {before.error}" if before.error else "")
    return ""
