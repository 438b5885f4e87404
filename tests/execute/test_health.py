"""Health gates against a scripted engine: Docker's status, and the container's own command run sooner.

A pass of the health command opens the gate (that is what Docker needs to call a container healthy); its failures
decide nothing, so "unhealthy", an exit and the deadline stay exactly as before. Pure: no engine, FakeClock.
"""

from __future__ import annotations

from typing import cast

from engine.adapters.docker_exec import health_argv
from engine.execute.health import wait_healthy
from engine.observe.types import ContainerState, Health
from engine.ports import DockerGateway
from engine.testing import FakeClock


class Scripted:
    """Docker's answers and the health command's results, one per call (the last repeats)."""

    def __init__(self, statuses: list[tuple[ContainerState, Health]], passes: list[bool | None]) -> None:
        self.statuses, self.passes = statuses, passes
        self.probes = 0

    def inspect_health(self, container_id: str) -> tuple[ContainerState, Health, int | None]:
        state, health = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return state, health, 1 if state is ContainerState.EXITED else None

    def run_health_check(self, container_id: str) -> bool | None:
        self.probes += 1
        return self.passes.pop(0) if len(self.passes) > 1 else self.passes[0]


RUNNING = ContainerState.RUNNING
STARTING = (RUNNING, Health.STARTING)


def _gate(engine: Scripted, deadline_s: float = 30.0) -> tuple[bool, bool, str, FakeClock]:
    clock = FakeClock()
    result = wait_healthy(cast(DockerGateway, engine), "web-1", deadline_s, clock)
    return result.ok, result.probed, result.reason, clock


def test_the_command_passing_opens_the_gate_while_docker_still_says_starting() -> None:
    engine = Scripted([STARTING], [False, False, True])
    ok, probed, _reason, clock = _gate(engine)
    assert (ok, probed, engine.probes) == (True, True, 3)
    assert sum(clock.sleeps) < 1.0   # well before Docker's first check one interval after start


def test_failures_of_the_command_decide_nothing_docker_still_does() -> None:
    engine = Scripted([STARTING, STARTING, (RUNNING, Health.HEALTHY)], [False])
    assert _gate(engine)[:2] == (True, False)
    engine = Scripted([STARTING, STARTING, (RUNNING, Health.UNHEALTHY)], [False])
    ok, _probed, reason, _clock = _gate(engine)
    assert not ok and "unhealthy" in reason


def test_an_exit_fails_the_gate_before_any_probe_and_the_deadline_still_holds() -> None:
    engine = Scripted([(ContainerState.EXITED, Health.STARTING)], [True])
    ok, _probed, reason, _clock = _gate(engine)
    assert not ok and "exited with code 1" in reason and engine.probes == 0
    engine = Scripted([STARTING], [False])
    ok, _probed, reason, clock = _gate(engine, deadline_s=5.0)
    assert not ok and "not healthy after 5s" in reason and clock.mono >= 1005.0


def test_no_health_command_to_run_leaves_the_gate_to_docker() -> None:
    engine = Scripted([STARTING, (RUNNING, Health.HEALTHY)], [None])
    assert _gate(engine)[:2] == (True, False)


def test_the_argv_is_what_docker_runs() -> None:
    assert health_argv({"Test": ["CMD", "wget", "-q", "http://127.0.0.1/"]}) == ["wget", "-q", "http://127.0.0.1/"]
    assert health_argv({"Test": ["CMD-SHELL", "curl -f localhost || exit 1"]}) == [
        "/bin/sh", "-c", "curl -f localhost || exit 1"]
    assert health_argv({"Test": ["NONE"]}) is None
    assert health_argv({}) is None
    assert health_argv({"Test": ["CMD"]}) is None
