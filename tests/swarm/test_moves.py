"""Which tasks moved off a node that went away, on tasks captured from the test swarm after a rolling update."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from engine.swarm.moves import instant, moved_tasks
from engine.swarm.observe import node_from, service_from, task_from
from engine.swarm.state import SwarmNode, SwarmObserved, SwarmObservedService, SwarmTask

DATA = Path(__file__).parent / "data"
N1, N2, N3 = "rn8wh1vx09xklxke4jvc3jwup", "9b3oe4bv7z83ik0es44gq81vc", "hje92jt8y26j3dmgbhcefoto3"


def _observed(**n2: str) -> SwarmObserved:
    n1 = node_from(json.loads((DATA / "node.json").read_text())[0])
    nodes = (n1, dataclasses.replace(SwarmNode(N2, "n2"), **n2), SwarmNode(N3, "n3"))  # type: ignore[arg-type]
    web = service_from(json.loads((DATA / "service_web.json").read_text())[0])
    tasks = tuple(task_from(t) for t in json.loads((DATA / "tasks_web.json").read_text()))
    return SwarmObserved("cluster", nodes, {"web": web}, tasks)


def test_a_rolling_update_that_placed_tasks_elsewhere_is_no_move() -> None:
    assert moved_tasks(_observed()) == []   # slots 1-3 changed nodes in the update, every node is fine


def test_tasks_that_left_a_drained_or_down_node_are_named_with_the_reason() -> None:
    # In the captured update slot 2 went n2 → n1 (its old task shut down on n2); slot 1 went n1 → n2.
    drained = moved_tasks(_observed(availability="drain"))
    assert [m.describe() for m in drained] == ["web.2 n2 → n1 (n2 drain)"]
    down = moved_tasks(_observed(state="down"))
    assert [m.describe() for m in down] == ["web.2 n2 → n1 (n2 down)"]


def test_engine_times_sort_whatever_the_length_of_their_fraction() -> None:
    stamps = ["2026-12-01T23:28:30.26662028Z", "2026-12-01T23:28:30.266567561Z", "2026-12-01T23:28:30.3Z"]
    assert sorted(stamps, key=instant) == [stamps[1], stamps[0], stamps[2]]


def test_a_move_stays_named_after_a_rolling_update_replaced_the_moved_task() -> None:
    nodes = (SwarmNode("a", "n1"), SwarmNode("b", "n2"), SwarmNode("c", "n3", availability="drain"))
    web = SwarmObservedService("svc", "app-web", 1, {}, 2)
    tasks = (
        SwarmTask("t1", "svc", 1, "c", "shutdown", "shutdown", created_at="2026-12-02T10:00:00.1Z"),  # on n3
        SwarmTask("t2", "svc", 1, "a", "shutdown", "shutdown", created_at="2026-12-02T10:00:05.1Z"),  # moved to n1
        SwarmTask("t3", "svc", 1, "b", "running", "running", created_at="2026-12-02T10:00:09.1Z"),   # then updated
        SwarmTask("t4", "svc", 2, "a", "shutdown", "shutdown", created_at="2026-12-02T10:00:00.2Z"),
        SwarmTask("t5", "svc", 2, "b", "running", "running", created_at="2026-12-02T10:00:08.2Z"),   # plain update
    )
    moves = moved_tasks(SwarmObserved("cluster", nodes, {"web": web}, tasks))
    assert [m.describe() for m in moves] == ["web.1 n3 → n2 (n3 drain)"]
