"""Runs every Swarm mapping case in ``swarm_cases/`` (format: ``tests.plan.swarmkit.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.swarm.placement import placement_problem
from engine.swarm.plan import plan_swarm
from tests.plan.casekit import load_case
from tests.plan.swarmkit import mismatches, nodes_from, observed_from, swarm_from

CASES = sorted((Path(__file__).parent / "swarm_cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_swarm_case(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    swarm = swarm_from(tmp_path, case)
    assert sorted(swarm.services) == sorted(case.get("services", swarm.services)), "services mapped"
    problems: list[str] = []
    for name, want in case.get("expect", {}).items():
        problems += mismatches(want, dict(swarm.services[name].body), name)
    for name, names in case.get("objects", {}).items():
        svc = swarm.services[name]
        got = {"secrets": [s.name for s in svc.secrets], "configs": [c.name for c in svc.configs]}
        problems += mismatches(names, got, f"{name}.objects")
    for name, content in case.get("config_contains", {}).items():
        text = "".join(c.content for c in swarm.services[name].configs)
        problems += [f"{name}: config lacks {line!r}" for line in content if line not in text]
    problems += _placement(case, swarm.services)
    if "steps" in case:
        plan = plan_swarm(swarm, observed_from(tmp_path, case))
        got = [{"action": st.action.value, "service": st.service, "causes": list(st.causes)} for st in plan.steps]
        problems += _steps(case["steps"], got)
    for i, variant in enumerate(case.get("variants", [])):
        problems += _variant(tmp_path, case, variant, swarm.services, i)
    assert not problems, "\n".join(problems)


def _steps(want: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[str]:
    """Steps in order; each expected cause must appear (as a substring) among the step's causes."""
    if [(w["action"], w["service"]) for w in want] != [(g["action"], g["service"]) for g in got]:
        return [f"steps: expected {want}, got {got}"]
    return [
        f"{g['service']}: no cause contains {cause!r} in {g['causes']}"
        for w, g in zip(want, got, strict=True)
        for cause in w.get("causes", [])
        if not any(cause in c for c in g["causes"])
    ]


def _placement(case: dict[str, Any], services: Any) -> list[str]:
    if "nodes" not in case:
        return []
    nodes = nodes_from(case["nodes"])
    out = []
    for name, needle in case.get("refused", {}).items():
        problem = placement_problem(name, services[name].body, nodes)
        if problem is None or needle not in problem:
            out.append(f"{name}: expected a refusal containing {needle!r}, got {problem!r}")
    for name in case.get("accepted", []):
        problem = placement_problem(name, services[name].body, nodes)
        if problem is not None:
            out.append(f"{name}: expected no placement problem, got {problem!r}")
    return out


def _variant(tmp: Path, case: dict[str, Any], variant: dict[str, Any], before: Any, i: int) -> list[str]:
    changed = {**case, **{k: v for k, v in variant.items() if k in ("secrets", "files", "spec", "revision")}}
    after = swarm_from(tmp, changed, key=f"variant{i}").services
    out = []
    for name in variant.get("changed", []):
        if after[name].task_hash == before[name].task_hash:
            out.append(f"variant {i}: {name}'s task hash should change")
    for name in variant.get("same", []):
        if after[name].task_hash != before[name].task_hash:
            out.append(f"variant {i}: {name}'s task hash should stay")
        if after[name].spec_hash != before[name].spec_hash and name not in variant.get("spec_changed", []):
            out.append(f"variant {i}: {name}'s spec hash should stay")
    for name in variant.get("spec_changed", []):
        if after[name].spec_hash == before[name].spec_hash:
            out.append(f"variant {i}: {name}'s spec hash should change")
    for name, names in variant.get("objects", {}).items():
        got = {"secrets": [s.name for s in after[name].secrets], "configs": [c.name for c in after[name].configs]}
        out += mismatches(names, got, f"variant {i}: {name}.objects")
    return out
