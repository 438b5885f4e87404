"""Where the time of one cold apply and one change goes: shipspec's own marks (``SHIPSPEC_TIMELINE``) printed
against the command's start, step by step.

    .venv/bin/python benchmarks/run.py --suite timeline [--n 10] [--shapes flat]

For each app: a cold ``apply`` from nothing, then one changed service (a rolling update) and one changed
``strategy: recreate`` service. Printed per command: the phases (imports, validation, observe, plan, lock, the
re-check, exit), every step kind with its count, median and longest duration and when the first started and the
last ended, and every step of the service that finished last (the critical path's end). Reports; never asserts.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.apps import BenchApp, make_app, write_app
from benchmarks.common import WORK, BenchError, ensure_busybox, median, run_measured, shipspec_binary, wait_healthy
from benchmarks.converge import Shipspec, teardown

PHASES = {"cli-imported": "imports done", "spec-validated": "spec loaded and validated",
          "observed": "engine observed", "planned": "plan made", "locked": "lock held",
          "rechecked": "engine re-checked", "exit": "exit"}


def timed(tool: Shipspec, app: BenchApp, argv: list[str], name: str) -> tuple[float, float, list[dict[str, Any]]]:
    """Run ``argv`` with the timeline on: (wall-clock start, seconds, marks)."""
    path = app.folder / f"timeline-{name}.jsonl"
    path.unlink(missing_ok=True)
    began = time.time()
    sample = run_measured(argv, cwd=app.folder, env={**tool.env(app), "SHIPSPEC_TIMELINE": str(path)})
    if sample.returncode != 0:
        raise BenchError(f"{name} exited {sample.returncode}:\n{sample.tail()}")
    marks = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return began, sample.seconds, marks


def describe(title: str, began: float, seconds: float, marks: list[dict[str, Any]]) -> list[str]:
    out = [f"{title}: {seconds:.2f} s"]
    for m in marks:
        if m["what"] in PHASES:
            extra = "".join(f", {k} {v}" for k, v in m.items() if k not in ("t", "what"))
            out.append(f"  +{m['t'] - began:6.3f} s  {PHASES[m['what']]}{extra}")
    steps: dict[int, dict[str, Any]] = {}
    for m in marks:
        if m["what"] == "step-started":
            steps[m["seq"]] = {**m, "start": m["t"] - began}
        elif m["what"] == "step-done" and m["seq"] in steps:
            steps[m["seq"]]["end"] = m["t"] - began
    done = [s for s in steps.values() if "end" in s]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for step in done:
        by_kind[step["kind"]].append(step)
    out.append("  steps by kind: count, median and longest duration, first start → last end")
    for kind, group in sorted(by_kind.items(), key=lambda kv: min(s["start"] for s in kv[1])):
        durations = [s["end"] - s["start"] for s in group]
        out.append(f"    {kind:<18} {len(group):>3} × {median(durations):6.3f} s (max {max(durations):6.3f} s)  "
                   f"+{min(s['start'] for s in group):6.3f} → +{max(s['end'] for s in group):6.3f} s")
    if done:
        last = max(done, key=lambda s: s["end"])
        out.append(f"  steps of {last['service']}, the service that finished last:")
        for step in sorted((s for s in done if s["service"] == last["service"]), key=lambda s: s["start"]):
            out.append(f"    +{step['start']:6.3f} → +{step['end']:6.3f} s  {step['kind']} {step['target']}")
    return out


def one_app(app: BenchApp) -> list[str]:
    tool = Shipspec(shipspec_binary())
    write_app(app)
    teardown(tool, app)
    lines: list[str] = []
    try:
        began, seconds, marks = timed(tool, app, tool.cold(app), "cold")
        lines += describe(f"cold apply, N={app.n} {app.shape}", began, seconds, marks)
        wait_healthy(tool.label(app), app.n)
        rev = {app.changed_service: "2"}
        write_app(app, rev)
        began, seconds, marks = timed(tool, app, tool.change(app), "change")
        lines += describe(f"one changed service ({app.changed_service}, rolling)", began, seconds, marks)
        wait_healthy(tool.label(app), app.n)
        if app.recreate_service:
            write_app(app, {**rev, app.recreate_service: "2"})
            began, seconds, marks = timed(tool, app, tool.change(app), "recreate")
            lines += describe(f"one changed service ({app.recreate_service}, strategy: recreate)", began, seconds,
                              marks)
    finally:
        teardown(tool, app)
    return lines


def main(args: argparse.Namespace) -> int:
    ensure_busybox()
    run_id = uuid.uuid4().hex[:4]
    for n in args.n:
        for shape in args.shapes:
            app = make_app(Path(WORK) / f"timeline-{run_id}", shape, n, run_id)
            try:
                print("\n".join(one_app(app)), flush=True)
            except BenchError as exc:
                print(f"N={n} {shape}: stopped: {exc}", flush=True)
    return 0
