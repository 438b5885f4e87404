"""Issue 4's side-by-side: converging an N-service app with shipspec and with ``docker-compose`` 1.29.2.

For each app (N services, flat or chained), each tool in turn (the order alternates between cycles) goes through
cold cycles on an empty engine:

1. cold: ``shipspec apply --yes`` / ``docker-compose up -d`` from nothing; then, untimed, wait until every
   container is healthy (reported too: shipspec's apply waits for health, ``up -d`` does not), so the next steps
   see the same steady state for both tools;
2. no-op: ``shipspec plan --detailed-exitcode`` / ``docker-compose up -d`` with nothing to change;
3. change: one service's env value edited, then ``shipspec apply --yes`` / ``docker-compose up -d``; then, untimed,
   wait until healthy again and count the containers whose ID changed (steps 2 and 3 repeat within a cycle when
   there are fewer cycles than ``--repeat``);
4. teardown, untimed: ``shipspec destroy --yes`` / ``docker-compose down``, then a sweep by label.

Only one tool's containers exist at any time, so the two never compete for the engine or the CPU. Figures are
medians; peak memory is, per cycle, the largest RSS of the tool's timed commands, then the median over cycles.
A chain's cold apply is N health checks in a row for both tools (about N × the interval), so chains default to
fewer cold cycles (``--chain-cycles``) to keep a full run bounded.
"""

from __future__ import annotations

import json
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

OPS = ("cold", "noop", "change")
TARGETS = {"cold": 0.8, "noop": 0.4, "memory": 1.0}   # shipspec / compose, at most (issue 4)
NOOP_TARGET_N = 40                                    # the no-op target is stated for N = 40


@dataclass
class ToolRun:
    """One tool's figures on one app, over the repeats."""

    samples: dict[str, list[Sample]] = field(default_factory=lambda: {op: [] for op in OPS})
    peak_mib: list[float] = field(default_factory=list)
    healthy: list[float] = field(default_factory=list)   # cold command plus the wait until all were healthy
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

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def label(self, app: BenchApp) -> str:
        raise NotImplementedError

    def cold(self, app: BenchApp) -> list[str]:
        raise NotImplementedError

    def noop(self, app: BenchApp) -> list[str]:
        raise NotImplementedError

    def change(self, app: BenchApp) -> list[str]:
        return self.cold(app)

    def teardown(self, app: BenchApp) -> list[str]:
        raise NotImplementedError

    def warmup(self, app: BenchApp) -> list[str]:
        """An untimed first run, so byte-code caches are warm for both tools."""
        return self.noop(app)

    def env(self, app: BenchApp) -> dict[str, str]:
        return {}

    def leftovers(self, app: BenchApp) -> int:
        """Sweep whatever the tool's own teardown left; returns how many objects that was."""
        raise NotImplementedError


class Shipspec(Tool):
    name = "shipspec"

    def label(self, app: BenchApp) -> str:
        return f"dev.shipspec.app={app.app}"

    def env(self, app: BenchApp) -> dict[str, str]:
        return {"NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(app.state_dir)}

    def cold(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "apply", "--yes", "-f", str(app.spec)]

    def noop(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "plan", "--detailed-exitcode", "-f", str(app.spec)]

    def teardown(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "destroy", "--yes", "-f", str(app.spec)]

    def leftovers(self, app: BenchApp) -> int:
        return sweep(self.label(app), names=[f"shipspec-lock-{app.app}"])


class Compose(Tool):
    name = "compose"

    def label(self, app: BenchApp) -> str:
        return f"com.docker.compose.project={app.project}"

    def _base(self, app: BenchApp) -> list[str]:
        return [str(self.binary), "--no-ansi", "-p", app.project, "-f", str(app.compose_file)]

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


def cycle(tool: Tool, app: BenchApp, cycle_index: int, inner: int, result: ToolRun, log: bool) -> None:
    """One cold apply from nothing, then ``inner`` no-ops and ``inner`` one-service changes (none of those needs a
    teardown, so an app whose cold apply is slow, a long chain, gets its samples from fewer cold cycles)."""
    label = tool.label(app)
    write_app(app)
    cold = _checked(tool, app, "cold", tool.cold(app), cycle_index)
    settle = wait_healthy(label, app.n)
    peak = cold.max_rss_mib
    result.samples["cold"].append(cold)
    result.healthy.append(cold.seconds + settle)
    noops: list[float] = []
    changes: list[str] = []
    for k in range(inner):
        noop = _checked(tool, app, "no-op", tool.noop(app), cycle_index * inner + k)
        if tool.name == "shipspec" and "No changes" not in noop.stdout:
            raise BenchError(f"shipspec's no-op plan is not empty:\n{noop.tail()}")
        result.samples["noop"].append(noop)
        noops.append(noop.seconds)
        before = container_ids(label)
        write_app(app, {app.changed_service: str(cycle_index * inner + k + 2)})
        change = _checked(tool, app, "change", tool.change(app), cycle_index * inner + k)
        wait_healthy(label, app.n)
        after = container_ids(label)
        result.samples["change"].append(change)
        result.recreated.append(sum(1 for name, cid in after.items() if before.get(name) != cid))
        changes.append(f"{change.seconds:.2f}s/{result.recreated[-1]}")
        peak = max(peak, noop.max_rss_mib, change.max_rss_mib)
    result.peak_mib.append(peak)
    if log:
        print(f"    {tool.name:<8} cold {cold.seconds:6.2f}s (+{settle:4.1f}s to healthy)  no-op "
              f"{' '.join(f'{x:.2f}s' for x in noops)}  change (s/recreated) {' '.join(changes)}  "
              f"peak {peak:5.1f} MiB", flush=True)


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
            order = list(tools) if c % 2 == 0 else list(reversed(tools))
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


# -- report ------------------------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} s" if unit == "s" else f"{value:.0f} MiB"


def table(scenarios: Sequence[Scenario]) -> list[str]:
    """Markdown table: one row per metric per app, the ratio shipspec/compose and the target's verdict."""
    rows = [
        "| N | shape | metric | shipspec | compose | ratio | target | |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for sc in scenarios:
        ship, comp = sc.runs["shipspec"], sc.runs["compose"]
        metrics = [
            ("cold apply vs `up -d`", ship.seconds("cold"), comp.seconds("cold"), "s", "cold"),
            ("cold, until all healthy", ship.until_healthy(), comp.until_healthy(), "s", None),
            ("no-op plan vs `up -d`", ship.seconds("noop"), comp.seconds("noop"), "s", "noop"),
            ("one changed service", ship.seconds("change"), comp.seconds("change"), "s", None),
            ("peak memory (RSS)", ship.memory(), comp.memory(), "MiB", "memory"),
        ]
        for name, mine, theirs, unit, key in metrics:
            ratio = mine / theirs if mine is not None and theirs else None
            target = TARGETS.get(key or "")
            if key == "noop" and sc.app.n != NOOP_TARGET_N:
                target = None
            verdict = "" if ratio is None or target is None else ("pass" if ratio <= target else "**FAIL**")
            rows.append(
                f"| {sc.app.n} | {sc.app.shape} | {name} | {_fmt(mine, unit)} | {_fmt(theirs, unit)} | "
                f"{'-' if ratio is None else f'{ratio:.2f}×'} | {'-' if target is None else f'≤ {target}×'} | "
                f"{verdict} |"
            )
    return rows


def notes(scenarios: Sequence[Scenario]) -> list[str]:
    out = []
    for sc in scenarios:
        parts = []
        for name, run in sc.runs.items():
            if run.recreated:
                parts.append(f"{name} recreated {sorted(set(run.recreated))} container(s) on the change")
            if run.error:
                parts.append(f"{name} FAILED: {run.error.splitlines()[0]}")
        parts.append(f"{sc.seconds:.0f}s, load average {sc.load[0]:.1f} → {sc.load[1]:.1f}")
        out.append(f"N={sc.app.n} {sc.app.shape}: " + "; ".join(parts))
    return out


def save_json(scenarios: Sequence[Scenario], path: Path, meta: dict[str, object]) -> None:
    doc = {
        **meta,
        "scenarios": [
            {
                "n": sc.app.n,
                "shape": sc.app.shape,
                "seconds": round(sc.seconds, 1),
                "health_interval": sc.app.interval,
                "cold_cycles": sc.cycles,
                "load_average": sc.load,
                "tools": {
                    name: {
                        **{op: [round(s.seconds, 3) for s in run.samples[op]] for op in OPS},
                        "until_healthy": [round(x, 3) for x in run.healthy],
                        "peak_mib": [round(m, 1) for m in run.peak_mib],
                        "recreated": run.recreated,
                        "error": run.error,
                    }
                    for name, run in sc.runs.items()
                },
            }
            for sc in scenarios
        ],
    }
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
