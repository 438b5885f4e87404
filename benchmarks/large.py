"""A 5,000-service spec: how long ``shipspec validate``, a plan (in-process, against the fake gateway: nothing
to observe on a real engine) and ``shipspec render`` take. Reports; never asserts.

    .venv/bin/python benchmarks/run.py --suite large [--services 5000]

The spec: N busybox services, each with a command, one env value and an HTTP health check (about 170 bytes of
YAML per service; 5,000 services stay under the loader's 1 MiB limit). Validate and render are the CLI in a
subprocess (start-up included); the plan is ``benchmarks/inprocess.py`` in a fresh interpreter (import, validate,
plan against an empty engine, and against a fake engine already running every container as desired).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

from benchmarks.common import ROOT, WORK, median, run_measured, shipspec_binary

TARGETS = {"validate": 1.0, "plan": 2.0, "render": 5.0}


def write_spec(folder: Path, services: int) -> Path:
    body = {f"s{i:04d}": {"image": "busybox:1.36", "command": ["httpd", "-f", "-p", "8080"], "env": {"REV": "1"},
                          "health": {"http": {"path": "/", "port": 8080}}} for i in range(services)}
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "app.yaml"
    spec.write_text(yaml.safe_dump({"version": 1, "name": "big", "services": body}, sort_keys=False), encoding="utf-8")
    return spec


def measure(spec: Path, repeat: int) -> dict[str, list[float]]:
    ship = str(shipspec_binary())
    out: dict[str, list[float]] = {"validate": [], "plan": [], "plan_observed": [], "render": [], "import": []}
    for _ in range(repeat):
        out["validate"].append(run_measured([ship, "validate", "-f", str(spec)], cwd=spec.parent).seconds)
        began = time.monotonic()
        probe = run_measured([sys.executable, str(ROOT / "benchmarks" / "inprocess.py"), str(spec), "--observed"],
                             cwd=spec.parent)
        if probe.returncode == 0:
            figures = json.loads(probe.stdout)
            out["import"].append(figures["import_s"])
            out["plan"].append(figures["import_s"] + figures["validate_s"] + figures["plan_cold_s"])
            out["plan_observed"].append(figures["import_s"] + figures["validate_s"] + figures["plan_observed_s"])
        else:
            print(f"probe failed after {time.monotonic() - began:.1f}s: {probe.tail()}")
        render = run_measured([ship, "render", "-f", str(spec), "--out", str(spec.parent / "deploy")],
                              cwd=spec.parent)
        out["render"].append(render.seconds)
    return out


def main(args: argparse.Namespace) -> int:
    services = getattr(args, "services", None) or 5000
    spec = write_spec(Path(WORK) / "large", services)
    print(f"{services} services, {spec.stat().st_size:,} bytes; medians of {args.repeat}", flush=True)
    figures = measure(spec, args.repeat)
    print("| step | seconds | target |", "|---|---:|---:|", sep="\n")
    for name, values in figures.items():
        target = TARGETS.get(name)
        shown = f"{median(values):.2f} s" if values else "-"
        print(f"| {name} | {shown} | {'≤ ' + str(target) + ' s' if target else '-'} |")
    return 0
