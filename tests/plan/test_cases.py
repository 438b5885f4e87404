"""One runner for every planner case in ``cases/*.yaml``: spec + observed → expected steps, causes and counts.

Each case goes through the real pipeline (spec written to tmp_path, ``load_and_validate``, ``build_desired``,
``make_plan``). Expectations (all optional):

    has_changes: false
    counts: [add, change, destroy]
    steps: ["kind target", {step: "kind target", cause: "substring"}, ...]   exact list, in plan order
    contains: [...]               same forms, a subset in any order
    absent_kinds: [remove-volume]
    step_counts: {create-container: 10}
    causes: {web: ['env.LOG_LEVEL "info" → "debug"']}                       exact summary causes of a resource
    headline: {web: "rolling 3 replicas"}                                  substring of a resource's headline
    before: [[step id, step id], ...]                                      first is an ancestor of the second
    secret_canary: hunter2                                                 appears in no output of the plan
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.plan.plan import Plan, make_plan, plan_from_json, plan_to_json
from engine.plan.render_text import render_json, render_markdown, render_text
from engine.plan.steps import Step, step_target
from tests.plan.casekit import CASES, desired_from, load_case, observed_from

CASE_FILES = sorted(CASES.glob("*.yaml"))


def run_case(case: dict[str, Any], tmp_path: Path) -> Plan:
    desired = desired_from(tmp_path, case["spec"], case.get("files", {}), case)
    observed = observed_from(tmp_path, case, desired)
    return make_plan(desired, observed, settled=bool(case.get("settled", False)))


def _label(step: Step) -> str:
    return f"{step.kind} {step_target(step)}"


def _expected(item: Any) -> tuple[str, str | None]:
    if isinstance(item, str):
        return item, None
    return item["step"], item.get("cause")


def _check_steps(plan: Plan, expected: list[Any], exact: bool) -> None:
    labels = [_label(s) for s in plan.steps]
    wanted = [_expected(x) for x in expected]
    if exact:
        assert labels == [w for w, _ in wanted], "\n".join(labels)
    for want, cause in wanted:
        assert want in labels, f"{want!r} not in plan:\n" + "\n".join(labels)
        if cause is not None:
            found = [s.cause for s in plan.steps if _label(s) == want]
            assert any(cause in c for c in found), f"{want}: causes {found} lack {cause!r}"


def _ancestors(plan: Plan, step_id: str) -> set[str]:
    by_id = {s.id: s for s in plan.steps}
    seen: set[str] = set()
    todo = list(by_id[step_id].after)
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(by_id[current].after)
    return seen


def _check(plan: Plan, expect: dict[str, Any]) -> None:
    if "has_changes" in expect:
        assert plan.has_changes is expect["has_changes"]
    if "counts" in expect:
        c = plan.counts
        assert [c.add, c.change, c.destroy] == expect["counts"]
    if "steps" in expect:
        _check_steps(plan, expect["steps"], exact=True)
    if "contains" in expect:
        _check_steps(plan, expect["contains"], exact=False)
    kinds = [s.kind for s in plan.steps]
    for kind in expect.get("absent_kinds", []):
        assert kind not in kinds
    for kind, n in expect.get("step_counts", {}).items():
        assert kinds.count(kind) == n, f"{kind}: {kinds.count(kind)} != {n}"
    changes = {c.name: c for c in plan.changes}
    for name, causes in expect.get("causes", {}).items():
        assert list(changes[name].causes) == causes
    for name, text in expect.get("headline", {}).items():
        assert text in changes[name].headline, changes[name].headline
    for first, second in expect.get("before", []):
        assert first in _ancestors(plan, second), f"{first} does not come before {second}"


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    plan = run_case(case, tmp_path)
    _check(plan, case.get("expect", {}))
    assert plan_from_json(plan_to_json(plan)) == plan
    canary = case.get("expect", {}).get("secret_canary")
    if canary:
        for text in (plan_to_json(plan), render_text(plan), render_json(plan), render_markdown(plan), repr(plan)):
            assert canary not in text


def test_enough_cases() -> None:
    assert len(CASE_FILES) >= 30
