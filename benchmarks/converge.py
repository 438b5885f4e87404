"""Side by side: converging an N-service app with shipspec, Docker Compose v2 and ``docker-compose`` 1.29.2.

For each app (N services, flat or chained), each tool in turn (the order rotates between cycles) goes through
cold cycles on an empty engine:

1. cold: ``shipspec apply --yes`` / Compose v2 ``up -d --wait`` / v1 ``up -d`` from nothing; then, untimed, wait
   until Docker reports every container healthy. "Until all healthy" is the command's own time for the two tools
   that wait (shipspec's gates, v2's ``--wait``), and v1's ``up -d`` plus that wait; the time until Docker's own
   status says healthy is kept for every tool too;
2. no-op: ``shipspec plan --detailed-exitcode`` / ``up -d`` with nothing to change, twice: the first plan after
   a change runs in full and leaves the plan memo, the repeated one is answered from it (``engine.noop``);
3. change: one service's env value edited, then ``shipspec apply --yes`` (a zero-downtime roll) / ``up -d``
   (stop-first recreate); then, untimed, wait until healthy again and count the containers whose ID changed;
   shipspec also changes a second service that has ``strategy: recreate`` (stop-first, like Compose);
4. teardown, untimed; for Compose v2 on flat apps, one more cold plain ``up -d`` (the command's own time, which
   returns before anything is healthy), then teardown again.

Only one tool's containers exist at any time, so the tools never compete for the engine or the CPU. Figures are
medians; peak memory is, per cycle, the largest RSS of the tool's timed commands, then the median over cycles.
A chain's cold apply is N health checks in a row for every tool, so chains default to fewer cold cycles.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.apps import BenchApp, write_app
from benchmarks.common import (
    ROOT,
    BenchError,
    Sample,
    container_ids,
    median,
    run_measured,
    run_quiet,
    sweep,
    uninterruptible,
    wait_healthy,
)

OPS = ("cold", "cold_return", "noop", "noop_again", "change", "recreate")
# shipspec / Compose v2, at most (issue 14); chains: cold until healthy at most 0.5×
TARGETS = {"healthy": 0.8, "noop": 1.0, "change": 1.5, "recreate": 1.0, "memory": 1.0}
CHAIN_HEALTHY_TARGET = 0.5
PEER = "compose-v2"


@dataclass
class ToolRun:
    """One tool's figures on one app, over the repeats."""

    samples: dict[str, list[Sample]] = field(default_factory=lambda: {op: [] for op in OPS})
    peak_mib: list[float] = field(default_factory=list)
    healthy: list[float] = field(default_factory=list)         # until every container is healthy, the tool's way
    docker_healthy: list[float] = field(default_factory=list)  # until Docker's own status says so
    recreated: list[int] = field(default_factory=list)
    error: str | None = None

    def seconds(self, op: str) -> float | None:
        values = [s.seconds for s in self.samples[op]]
        return median(values) if values else None

    def until_healthy(self) -> float | None:
        return median(self.healthy) if self.healthy else None

    def memory(self) -> float | None:
        return median(self.peak_mib) if self.peak_mib else None


class Tool:
    name = ""
    waits = False   # its cold command returns only once every container is healthy

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def label(self, app: BenchApp) -> str:
        raise NotImplementedError

    def cold(self, app: BenchApp) -> list[str]:
        raise NotImplementedError

    def cold_plain(self, app: BenchApp) -> list[str] | None:
        """A second cold command timed in its own cycle (Compose v2's ``up -d`` beside ``up -d --wait``)."""
        return None

    def noop(self, app: BenchApp) -> list[str]:
        raise NotImplementedError

    def change(self, app: BenchApp) -> list[str]:
        return self.cold(app)

    def recreates(self, app: BenchApp) -> str | None:
        """The service whose change is timed as a stop-first recreate too (shipspec only)."""
        return None

    def teardown(self, app: BenchApp) -> list[str]:
        raise NotImplementedError

    def warmup(self, app: BenchApp) -> list[str]:
        """An untimed first run, so byte-code caches are warm for every tool."""
        return self.noop(app)

    def env(self, app: BenchApp) -> dict[str, str]:
        return {}

    def leftovers(self, app: BenchApp) -> int:
        """Sweep whatever the tool's own teardown left; returns how many objects that was."""
        raise NotImplementedError


class Shipspec(Tool):
    name = "shipspec"
    waits = True

    def label(self, app: BenchApp) -> str:
        return f"dev.shipspec.app={app.app}"

    def env(self, app: BenchApp) -> dict[str, str]:
        return {"NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(app.state_dir)}

    def cold(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "apply", "--yes", "-f", str(app.spec)]

    def noop(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "plan", "--detailed-exitcode", "-f", str(app.spec)]

    def recreates(self, app: BenchApp) -> str | None:
        return app.recreate_service

    def teardown(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "destroy", "--yes", "-f", str(app.spec)]

    def leftovers(self, app: BenchApp) -> int:
        return sweep(self.label(app), names=[f"shipspec-lock-{app.app}"])


class Compose(Tool):
    """``docker-compose`` 1.29.2 (Python, end of life)."""

    name = "compose-v1"

    def project(self, app: BenchApp) -> str:
        return app.project

    def label(self, app: BenchApp) -> str:
        return f"com.docker.compose.project={self.project(app)}"

    def _base(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "--no-ansi", "-p", self.project(app), "-f", str(app.compose_file)]

    def env(self, app: BenchApp) -> dict[str, str]:
        return {"COMPOSE_INTERACTIVE_NO_CLI": "1"}

    def cold(self, app: BenchApp) -> list[str]:
        return [*self._base(app), "up", "-d"]

    def noop(self, app: BenchApp) -> list[str]:
        return [*self._base(app), "up", "-d"]

    def teardown(self, app: BenchApp) -> list[str]:
        return [*self._base(app), "down", "--remove-orphans"]

    def warmup(self, app: BenchApp) -> list[str]:
        return [*self._base(app), "config", "-q"]

    def leftovers(self, app: BenchApp) -> int:
        return sweep(self.label(app))


class ComposeV2(Compose):
    """Docker Compose v2 (the Go binary users run today): ``up -d --wait`` is its "until healthy"."""

    name = "compose-v2"
    waits = True

    def project(self, app: BenchApp) -> str:
        return app.project + "v2"

    def _base(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "--ansi", "never", "--progress", "plain", "-p", self.project(app),
                "-f", str(app.compose_file)]

    def env(self, app: BenchApp) -> dict[str, str]:
        return {}

    def cold(self, app: BenchApp) -> list[str]:
        return [*self._base(app), "up", "-d", "--wait"]

    def cold_plain(self, app: BenchApp) -> list[str] | None:
        return [*self._base(app), "up", "-d"] if app.shape == "flat" else None

    def change(self, app: BenchApp) -> list[str]:
        return [*self._base(app), "up", "-d"]


def _checked(tool: Tool, app: BenchApp, op: str, argv: list[str], repeat_index: int) -> Sample:
    """Run one timed command; its output goes to ``logs/`` in the app's folder."""
    sample = run_measured(argv, cwd=app.folder, env=tool.env(app))
    logs = app.folder / "logs"
    logs.mkdir(exist_ok=True)
    (logs / f"{tool.name}-{op.replace(' ', '-')}-{repeat_index + 1}.log").write_text(
        f"$ {' '.join(argv)}\n# exit {sample.returncode} after {sample.seconds:.2f}s, "
        f"peak {sample.max_rss_mib:.1f} MiB\n"
        f"{sample.stdout}{sample.stderr}", encoding="utf-8")
    if sample.returncode != 0:
        raise BenchError(f"{tool.name} {op} exited {sample.returncode} after {sample.seconds:.1f}s:\n"
                         f"{sample.tail()}")
    return sample


def teardown(tool: Tool, app: BenchApp) -> None:
    """The tool's own teardown, then a sweep by label for anything it left (an interrupted run, a lock)."""
    with uninterruptible():
        run_quiet(tool.teardown(app), cwd=app.folder, env=tool.env(app))
        tool.leftovers(app)


def _change(tool: Tool, app: BenchApp, service: str, rev: dict[str, str], op: str, index: int,
            result: ToolRun) -> Sample:
    """Edit ``service``'s env value, converge, wait until healthy again and count the containers replaced."""
    label = tool.label(app)
    before = container_ids(label)
    rev[service] = str(index + 2)
    write_app(app, rev)
    change = _checked(tool, app, op, tool.change(app), index)
    wait_healthy(label, app.n)
    after = container_ids(label)
    result.samples[op].append(change)
    if op == "change":
        result.recreated.append(sum(1 for name, cid in after.items() if before.get(name) != cid))
    return change


def _cold(tool: Tool, app: BenchApp, argv: list[str], op: str, index: int) -> tuple[Sample, float]:
    write_app(app)
    cold = _checked(tool, app, op, argv, index)
    return cold, wait_healthy(tool.label(app), app.n)


def cycle(tool: Tool, app: BenchApp, cycle_index: int, inner: int, result: ToolRun, log: bool) -> None:
    """One cold apply from nothing, then ``inner`` no-ops and ``inner`` one-service changes (none of those needs a
    teardown, so an app whose cold apply is slow, a long chain, gets its samples from fewer cold cycles)."""
    cold, settle = _cold(tool, app, tool.cold(app), "cold", cycle_index)
    peak = cold.max_rss_mib
    result.samples["cold"].append(cold)
    result.healthy.append(cold.seconds if tool.waits else cold.seconds + settle)
    result.docker_healthy.append(cold.seconds + settle)
    if not tool.cold_plain(app):
        result.samples["cold_return"].append(cold)
    line: list[str] = []
    rev: dict[str, str] = {}
    for k in range(inner):
        index = cycle_index * inner + k
        noop = _checked(tool, app, "no-op", tool.noop(app), index)
        if tool.name == "shipspec" and "No changes" not in noop.stdout:
            raise BenchError(f"shipspec's no-op plan is not empty:\n{noop.tail()}")
        result.samples["noop"].append(noop)
        again = _checked(tool, app, "no-op-again", tool.noop(app), index)   # shipspec: answered by the plan memo
        result.samples["noop_again"].append(again)
        change = _change(tool, app, app.changed_service, rev, "change", index, result)
        line.append(f"no-op {noop.seconds:.2f}s/{again.seconds:.2f}s "
                    f"change {change.seconds:.2f}s/{result.recreated[-1]}")
        peak = max(peak, noop.max_rss_mib, again.max_rss_mib, change.max_rss_mib)
        recreate = tool.recreates(app)
        if recreate is not None:
            again = _change(tool, app, recreate, rev, "recreate", index, result)
            line.append(f"recreate {again.seconds:.2f}s")
            peak = max(peak, again.max_rss_mib)
    plain = tool.cold_plain(app)
    if plain:
        teardown(tool, app)
        sample, _settle = _cold(tool, app, plain, "cold_return", cycle_index)
        result.samples["cold_return"].append(sample)
        peak = max(peak, sample.max_rss_mib)
        line.append(f"plain cold {sample.seconds:.2f}s")
    result.peak_mib.append(peak)
    if log:
        print(f"    {tool.name:<10} cold {cold.seconds:6.2f}s (+{settle:4.1f}s to Docker's healthy)  "
              f"{'  '.join(line)}  peak {peak:5.1f} MiB", flush=True)


@dataclass
class Scenario:
    app: BenchApp
    runs: dict[str, ToolRun]
    cycles: int = 0
    inner: int = 0
    seconds: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)   # 1-minute load average before and after


def run_scenario(tools: Sequence[Tool], app: BenchApp, repeat: int, cycles: int, into: list[Scenario]) -> None:
    """``cycles`` cold cycles per tool (tools alternate first), ``repeat`` samples of the other figures in all."""
    cycles = max(1, min(cycles, repeat))
    inner = -(-repeat // cycles)
    write_app(app)
    scenario = Scenario(app, {tool.name: ToolRun() for tool in tools}, cycles, inner)
    into.append(scenario)
    began = time.monotonic()
    scenario.load = (os.getloadavg()[0], 0.0)
    print(f"  N={app.n} {app.shape} (health interval {app.interval}, {cycles} cold cycle(s), {inner} no-op and "
          f"change sample(s) each): {app.folder.relative_to(ROOT)}", flush=True)
    try:
        for tool in tools:
            teardown(tool, app)   # nothing of a previous interrupted run may be left
            run_quiet(tool.warmup(app), cwd=app.folder, env=tool.env(app))
        for c in range(cycles):
            order = list(tools[c % len(tools):]) + list(tools[:c % len(tools)])   # rotate who goes first
            for tool in order:
                result = scenario.runs[tool.name]
                if result.error is not None:
                    continue
                try:
                    cycle(tool, app, c, inner, result, log=True)
                except BenchError as exc:
                    result.error = str(exc)
                    print(f"    {tool.name}: FAILED: {exc}", flush=True)
                finally:
                    teardown(tool, app)
    finally:
        for tool in tools:
            teardown(tool, app)
        scenario.seconds = time.monotonic() - began
        scenario.load = (scenario.load[0], os.getloadavg()[0])
