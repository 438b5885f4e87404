"""The whole-app transaction against the shipped fake manager (``engine.swarm.testing``): order, watching, the
rollback of every service an apply changed, removals only after success, pruning, and deadlines (fake clock)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.swarm.desired import SwarmDesired
from engine.swarm.plan import plan_swarm
from engine.swarm.testing import FakeClock, FakeSwarm
from engine.swarm.transaction import SwarmOutcome, Transaction
from tests.plan.swarmkit import swarm_from


def _spec(greeting: str, api_path: str = "/", with_old: bool = False) -> dict[str, Any]:
    health = {"http": {"path": "/", "port": 8080}, "interval": "1s", "retries": 2}
    services: dict[str, Any] = {
        "db": {"image": "busybox:1.36", "secrets": {"PW": {"env": "PW"}}, "health": health,
               "placement": {"constraints": ["node.hostname==n2"]}, "volumes": [{"name": "d", "target": "/d"}]},
        "web": {"image": "busybox:1.36", "env": {"G": greeting}, "replicas": 3, "health": health,
                "depends_on": {"db": "healthy"}, "strategy": {"type": "rolling", "health_deadline": "20s"}},
        "api": {"image": "busybox:1.36", "env": {"G": greeting}, "depends_on": {"web": "healthy"},
                "health": {**health, "http": {"path": api_path, "port": 8080}}},
    }
    if with_old:
        services["old"] = {"image": "busybox:1.36"}
    # a fresh copy: yaml.safe_dump writes a dict used twice as an anchor, which the spec loader refuses
    return json.loads(json.dumps({"version": 1, "name": "shop", "target": {"type": "swarm"}, "services": services}))


def _desired(tmp: Path, key: str, spec: dict[str, Any], pw: str = "one") -> SwarmDesired:
    return swarm_from(tmp, {"spec": spec, "secrets": {"PW": pw}}, key=key)


def _apply(fake: FakeSwarm, desired: SwarmDesired, clock: FakeClock | None = None) -> tuple[SwarmOutcome, list[str]]:
    lines: list[str] = []
    clock = clock or FakeClock()
    plan = plan_swarm(desired, fake.observe(desired.app))
    outcome = Transaction(fake, desired, plan, lines.append, clock, clock.sleep, {"PW": "x"}).run()
    return outcome, lines


def test_cold_apply_creates_in_dependency_order(tmp_path: Path) -> None:
    fake = FakeSwarm()
    outcome, _ = _apply(fake, _desired(tmp_path, "a", _spec("hi")))
    assert outcome.ok
    creates = [c for c in fake.calls if c.startswith("create ") and " secret " not in f" {c} "]
    assert [c for c in creates if not c.startswith(("create secret", "create config"))] == [
        "create db", "create web", "create api"]


def test_a_failing_update_rolls_back_every_service_this_apply_changed(tmp_path: Path) -> None:
    fake = FakeSwarm()
    assert _apply(fake, _desired(tmp_path, "a", _spec("hi", with_old=True)))[0].ok
    fake.calls.clear()
    fake.fail_updates = {"api"}
    outcome, lines = _apply(fake, _desired(tmp_path, "b", _spec("bye")))
    assert not outcome.ok and outcome.rolled_back and not outcome.rollback_problems
    assert outcome.changed == ["web", "api"]
    # web updated fine and is put back; api was rolled back by the engine itself and is only waited for
    assert fake.calls == ["update web", "update api", "rollback web"]
    assert "old" in fake.observe("shop").services  # removals wait for a successful apply
    assert any("the engine is rolling it back already" in line for line in lines)


def test_a_service_that_never_becomes_ready_fails_at_its_deadline_and_a_new_one_is_removed(tmp_path: Path) -> None:
    fake = FakeSwarm(never_ready={"web"})
    clock = FakeClock()
    outcome, _ = _apply(fake, _desired(tmp_path, "a", _spec("hi")), clock)
    assert not outcome.ok and "web: not converged within" in outcome.error
    assert "task 1 on n3 (ready): starting" in outcome.error  # names the node the task is stuck on
    assert fake.calls[-2:] == ["remove web", "remove db"]
    assert clock.now < 600  # bounded: web's deadline (3 batches of 20 s + monitor), nothing waits forever


def test_success_removes_orphans_and_prunes_secrets_no_spec_refers_to(tmp_path: Path) -> None:
    fake = FakeSwarm()
    assert _apply(fake, _desired(tmp_path, "a", _spec("hi", with_old=True), pw="one"))[0].ok
    first = set(fake.secrets)
    assert _apply(fake, _desired(tmp_path, "b", _spec("hi"), pw="two"))[0].ok
    assert "old" not in fake.observe("shop").services
    assert first < set(fake.secrets)  # the previous spec still mounts the first secret: kept for rollback
    assert _apply(fake, _desired(tmp_path, "c", _spec("hi"), pw="three"))[0].ok
    assert first.isdisjoint(fake.secrets) and len(fake.secrets) == 2
