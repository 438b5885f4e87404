"""A plan that recreates the proxy (a published port changed) says how long the fronted ports will refuse and why."""

from __future__ import annotations

from pathlib import Path

from engine.plan.render_text import render_text
from tests.plan.casekit import CASES, load_case
from tests.plan.test_cases import run_case


def test_a_port_change_states_the_outage_it_costs(tmp_path: Path) -> None:
    plan = run_case(load_case(CASES / "49_proxy_config_change.yaml"), tmp_path)
    proxy = next(c for c in plan.changes if c.name == "shipspec-proxy")
    outage = [c for c in proxy.causes if c.startswith("outage on port(s) 8081:")]
    assert len(outage) == 1 and "at most 70 s" in outage[0] and "needs a new container" in outage[0], proxy.causes
    assert outage[0] in render_text(plan)


def test_a_proxy_created_for_the_first_time_states_no_outage(tmp_path: Path) -> None:
    plan = run_case(load_case(CASES / "47_proxy_fresh_create.yaml"), tmp_path)
    assert not any("outage" in cause for change in plan.changes for cause in change.causes)


def test_canary_pauses_carry_the_specs_thresholds(tmp_path: Path) -> None:
    from engine.plan.steps import Pause

    plan = run_case(load_case(CASES / "54_canary_thresholds_from_the_spec.yaml"), tmp_path)
    pauses = [s for s in plan.steps if isinstance(s, Pause)]
    assert [(p.max_error_rate, p.min_requests, p.max_latency_s) for p in pauses] == [(0.01, 200, 0.25)]
    assert pauses[0].watch, "behind the proxy, the pause watches the canary's servers"
