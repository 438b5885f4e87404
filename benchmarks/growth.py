"""How cost grows with the number of services: cold apply (until healthy) and no-op plan at N = 1, 10, 40, 99
(flat), shipspec beside Compose v2 in one run, and shipspec's plan in-process against a fake engine that already
runs 1,000 containers; the per-container cost at each N and a PNG plot. Reports; never asserts.

    .venv/bin/python benchmarks/run.py --suite growth [--growth-n 1,10,40,99] [--plot benchmarks/growth.png]

The plot needs matplotlib, a benchmark-only extra (``pip install -e '.[bench]'``); without it the table still
prints. Per-container cost at N is (t(N) − t(1)) / (N − 1): what one more service adds beyond start-up.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.apps import make_app, write_app
from benchmarks.common import ROOT, WORK, compose_v2_binary, ensure_busybox, run_measured, wait_healthy
from benchmarks.converge import ComposeV2, Shipspec, Tool, teardown
from benchmarks.large import write_spec

SIZES = (1, 10, 40, 99)


def one(tool: Tool, n: int, run_id: str) -> dict[str, float]:
    app = make_app(Path(WORK) / f"growth-{run_id}-{tool.name}", "flat", n, run_id)
    write_app(app)
    teardown(tool, app)
    try:
        cold = run_measured(tool.cold(app), cwd=app.folder, env=tool.env(app))
        settle = wait_healthy(tool.label(app), n, timeout=600)
        first = run_measured(tool.noop(app), cwd=app.folder, env=tool.env(app))
        again = run_measured(tool.noop(app), cwd=app.folder, env=tool.env(app))
        healthy = cold.seconds if tool.waits else cold.seconds + settle
        return {"apply": healthy, "plan": first.seconds, "plan_again": again.seconds}
    finally:
        teardown(tool, app)


def synthetic(services: int) -> dict[str, float]:
    spec = write_spec(Path(WORK) / "growth-synthetic", services)
    probe = run_measured([sys.executable, str(ROOT / "benchmarks" / "inprocess.py"), str(spec), "--observed"],
                         cwd=spec.parent)
    figures: dict[str, float] = json.loads(probe.stdout) if probe.returncode == 0 else {}
    return figures


def table(results: dict[str, dict[int, dict[str, float]]]) -> list[str]:
    rows = ["| tool | N | apply until healthy | per container | no-op plan | per container | repeated |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for tool, by_n in results.items():
        base = by_n.get(1)
        for n, f in sorted(by_n.items()):
            per = {k: (f[k] - base[k]) / (n - 1) if base and n > 1 else None for k in ("apply", "plan")}
            rows.append(f"| {tool} | {n} | {f['apply']:.2f} s | {_ms(per['apply'])} | {f['plan']:.2f} s | "
                        f"{_ms(per['plan'])} | {f['plan_again']:.2f} s |")
    return rows


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


def plot(results: dict[str, dict[int, dict[str, float]]], path: Path, note: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no plot")
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for tool, by_n in results.items():
        sizes = sorted(by_n)
        left.plot(sizes, [by_n[n]["apply"] for n in sizes], marker="o", label=tool)
        right.plot(sizes, [by_n[n]["plan"] for n in sizes], marker="o", label=f"{tool} (first)")
        right.plot(sizes, [by_n[n]["plan_again"] for n in sizes], marker="x", linestyle="--",
                   label=f"{tool} (repeated)")
    left.set(title="cold apply until all healthy", xlabel="services (N)", ylabel="seconds")
    right.set(title="no-op (shipspec plan / compose up -d)", xlabel="services (N)", ylabel="seconds")
    for axis in (left, right):
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    fig.suptitle(note, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return True


def main(args: argparse.Namespace) -> int:
    ensure_busybox()
    sizes = getattr(args, "growth_n", None) or SIZES
    binary = compose_v2_binary(install=True)
    tools: list[Tool] = [Shipspec(Path(str(ROOT / ".venv" / "bin" / "shipspec")))]
    if binary is not None:
        tools.append(ComposeV2(binary))
    import uuid

    run_id = uuid.uuid4().hex[:4]
    results: dict[str, dict[int, dict[str, float]]] = {t.name: {} for t in tools}
    for n in sizes:
        for tool in tools:   # alternate at every size
            results[tool.name][n] = one(tool, n, run_id)
            print(f"  {tool.name} N={n}: {results[tool.name][n]}", flush=True)
    print("\n".join(table(results)))
    figures = synthetic(1000)
    print(f"plan against a fake engine running 1,000 containers (1,000 services, in-process): {figures}")
    out = Path(getattr(args, "plot", None) or ROOT / "benchmarks" / "growth.png")
    import datetime as dt
    import os

    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f"flat apps, one run alternating both tools; {os.cpu_count()} cores (shared, loaded), Docker 20.10; {when}"
    if plot(results, out, note):
        print(f"plot written to {out}")
    return 0
