"""The executor against the shipped fake gateway: order, convergence, failure, compensation, journal, health gates.

Pure (no engine, no sleeping: FakeClock); the same executor runs against the real engine in tests/e2e.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.desire.build import build_desired
from engine.events import RecordingListener, RollbackFinished, RollbackStarted, StepFailed
from engine.execute.dispatch import StepContext
from engine.execute.executor import Executor
from engine.observe.types import Health
from engine.plan.plan import Plan, make_plan
from engine.plan.steps import Step
from engine.spec.validate import load_and_validate
from engine.testing import FakeClock, FakeGateway

IMAGE = "sha256:" + "a" * 64


def _spec(tmp_path: Path, web_env: str = "info", health_path: str = "/") -> Path:
    doc = {
        "version": 1,
        "name": "shop",
        "services": {
            "db": {"image": "busybox:1.36", "health": {"exec": ["true"]}, "strategy": {"type": "recreate"},
                   "volumes": [{"name": "data", "target": "/data"}]},
            "web": {"image": "busybox:1.36", "replicas": 2, "ports": [{"container": 8080}],
                    "env": {"LOG_LEVEL": web_env}, "depends_on": {"db": "healthy"},
                    "health": {"http": {"path": health_path}}, "strategy": {"type": "rolling", "drain": "0s"}},
        },
    }
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _plan(path: Path, gateway: FakeGateway, revision: int = 1) -> Plan:
    valid = load_and_validate(path)
    observed = gateway.observe("shop", ["busybox:1.36"])
    desired = build_desired(valid, image_ids=observed.images, build_digests={}, secret_digests={},
                            revision=revision)
    return make_plan(desired, observed)


class Journal:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def started(self, seq: int, step: Step) -> None:
        self.lines.append(f"start {seq} {step.id}")

    def finished(self, seq: int, step: Step, ok: bool, detail: str) -> None:
        self.lines.append(f"{'done' if ok else 'fail'} {seq} {step.id}")

    def undone(self, seq: int, step: Step) -> None:
        self.lines.append(f"undo {seq} {step.id}")


def _executor(gateway: FakeGateway, listener: RecordingListener, journal: Journal | None = None,
              parallelism: int = 4) -> Executor:
    return Executor(StepContext(gateway, FakeClock(), {}), listener, journal, parallelism=parallelism)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway(images={"busybox:1.36": IMAGE})


def test_a_cold_apply_converges_and_the_next_plan_is_empty(tmp_path: Path, gateway: FakeGateway) -> None:
    spec = _spec(tmp_path)
    journal = Journal()
    report = _executor(gateway, RecordingListener(), journal).execute(_plan(spec, gateway))
    assert report.ok, report.error
    assert sorted(c.name for c in gateway.containers.values()) == ["shop-db-1", "shop-web-1", "shop-web-2"]
    assert not _plan(spec, gateway, 2).has_changes
    started = [line.split()[2] for line in journal.lines if line.startswith("start")]
    assert started.index("wait:shop-db-1") < started.index("create:shop-web-1"), "web waits for db to be healthy"
    assert all(line.split()[0] in ("start", "done") for line in journal.lines)
    assert len([x for x in journal.lines if x.startswith("done")]) == len(report.completed)


def test_dependencies_order_every_step_after_its_prerequisites(tmp_path: Path, gateway: FakeGateway) -> None:
    plan = _plan(_spec(tmp_path), gateway)
    report = _executor(gateway, RecordingListener(), parallelism=1).execute(plan)
    position = {step_id: i for i, step_id in enumerate(report.completed)}
    for step in plan.steps:
        for dep in step.after:
            if dep in position:
                assert position[dep] < position[step.id], f"{step.id} ran before {dep}"


def test_an_update_replaces_only_what_changed(tmp_path: Path, gateway: FakeGateway) -> None:
    _executor(gateway, RecordingListener()).execute(_plan(_spec(tmp_path), gateway))
    db_id = gateway.by_name("shop-db-1").id
    update = _plan(_spec(tmp_path, web_env="debug"), gateway, 2)
    report = _executor(gateway, RecordingListener()).execute(update)
    assert report.ok, report.error
    assert gateway.by_name("shop-db-1").id == db_id
    assert {c.name for c in gateway.containers.values()} == {"shop-db-1", "shop-web-1", "shop-web-2"}
    assert not _plan(_spec(tmp_path, web_env="debug"), gateway, 3).has_changes


def test_a_failed_health_gate_undoes_the_batch_and_keeps_the_old_replicas(tmp_path: Path,
                                                                           gateway: FakeGateway) -> None:
    _executor(gateway, RecordingListener()).execute(_plan(_spec(tmp_path), gateway))
    before = {c.name: c.id for c in gateway.containers.values()}
    gateway.health_on_start = Health.UNHEALTHY
    listener = RecordingListener()
    journal = Journal()
    report = _executor(gateway, listener, journal).execute(_plan(_spec(tmp_path, web_env="debug"), gateway, 2))
    assert not report.ok and report.failed_step is not None and report.failed_step.startswith("wait:")
    assert report.rolled_back and report.rollback_ok
    assert {c.name: c.id for c in gateway.containers.values()} == before, "new replicas removed, old ones kept"
    kinds = [type(e) for e in listener.events]
    assert StepFailed in kinds and RollbackStarted in kinds and kinds[-1] is RollbackFinished
    assert any(line.startswith("undo") for line in journal.lines)


def test_an_engine_error_stops_new_steps_and_reports_the_step(tmp_path: Path, gateway: FakeGateway) -> None:
    gateway.fail_on("create_container", nth=2)
    report = _executor(gateway, RecordingListener(), parallelism=1).execute(_plan(_spec(tmp_path), gateway))
    assert not report.ok
    assert "injected failure in create_container" in report.error
    assert report.failed_step is not None and report.failed_step.startswith("create:")
    assert not gateway.containers, "the rollback removed the container the apply had created"
    assert "shop_data" in gateway.volumes, "a volume is never removed by a rollback"
