"""The converge suite's report: a Markdown table of medians with the ratios against both Composes, notes, JSON.

Ratios are shipspec / peer from runs made in alternation in one process (the only figures worth quoting on a
shared machine); the verdict column compares the ratio against Compose v2 with issue 14's targets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from benchmarks.converge import CHAIN_HEALTHY_TARGET, OPS, PEER, TARGETS, Scenario, ToolRun


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} s" if unit == "s" else f"{value:.0f} MiB"


def _ratio(mine: float | None, theirs: float | None) -> float | None:
    return mine / theirs if mine is not None and theirs else None


def _metrics(sc: Scenario, run: ToolRun) -> list[tuple[str, float | None, str, str | None]]:
    """(metric, value, unit, target key) for one tool; shipspec's "one changed service" is a zero-downtime roll,
    its recreate row the stop-first service (Compose's rows repeat its single change there)."""
    docker = sorted(run.docker_healthy)[len(run.docker_healthy) // 2] if run.docker_healthy else None
    return [
        ("cold, until all healthy", run.until_healthy(), "s", "healthy"),
        ("cold, until Docker's status says healthy", docker, "s", None),
        ("cold, until the command returns", run.seconds("cold_return"), "s", None),
        ("no-op, first after a change (`plan` / `up -d`)", run.seconds("noop"), "s", None),
        ("no-op, repeated (`plan` from its memo / `up -d`)", run.seconds("noop_again"), "s", "noop"),
        ("one changed service (shipspec: rolling)", run.seconds("change"), "s", "change"),
        ("one changed service, `strategy: recreate`", run.seconds("recreate") or run.seconds("change"), "s",
         "recreate"),
        ("peak memory (RSS)", run.memory(), "MiB", "memory"),
    ]


def table(scenarios: Sequence[Scenario]) -> list[str]:
    """One row per metric per app: shipspec, Compose v2 (ratio, target, verdict), docker-compose 1.29.2 (ratio)."""
    rows = [
        "| N | shape | metric | shipspec | Compose v2 | ratio | target | | compose 1.29.2 | ratio |",
        "|---|---|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for sc in scenarios:
        ship = _metrics(sc, sc.runs["shipspec"])
        peers = {name: _metrics(sc, run) for name, run in sc.runs.items() if name != "shipspec"}
        v2 = peers.get(PEER, [(m, None, u, k) for m, _v, u, k in ship])
        v1 = peers.get("compose-v1", [(m, None, u, k) for m, _v, u, k in ship])
        for (name, mine, unit, key), (_n2, theirs, _u2, _k2), (_n1, old, _u1, _k1) in zip(ship, v2, v1, strict=True):
            ratio = _ratio(mine, theirs)
            target = TARGETS.get(key or "")
            if key == "healthy" and sc.app.shape == "chain":
                target = CHAIN_HEALTHY_TARGET
            verdict = "" if ratio is None or target is None else ("pass" if ratio <= target else "**FAIL**")
            old_ratio = _ratio(mine, old)
            rows.append(
                f"| {sc.app.n} | {sc.app.shape} | {name} | {_fmt(mine, unit)} | {_fmt(theirs, unit)} | "
                f"{'-' if ratio is None else f'{ratio:.2f}×'} | {'-' if target is None else f'≤ {target}×'} | "
                f"{verdict} | {_fmt(old, unit)} | {'-' if old_ratio is None else f'{old_ratio:.2f}×'} |"
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
                        "until_docker_healthy": [round(x, 3) for x in run.docker_healthy],
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
