"""Which tasks moved off a node that went away, on tasks captured from the test swarm after a rolling update."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from engine.swarm.moves import instant, moved_tasks
from engine.swarm.observe import node_from, service_from, task_from
from engine.swarm.state import SwarmNode, SwarmObserved

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
