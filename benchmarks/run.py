"""Benchmarks: shipspec beside Docker Compose v2 and ``docker-compose`` 1.29.2, in one run, on the same apps.
Reports; never asserts.

    .venv/bin/python benchmarks/run.py                    # N = 10 and 40, flat and chain, medians of 5
    .venv/bin/python benchmarks/run.py --n 40 --repeat 3  # one size
    .venv/bin/python benchmarks/run.py --quick            # smoke run: N = 10, one repeat
    .venv/bin/python benchmarks/run.py --quick --dry-run  # write the apps and check both files; run nothing

Suites (``--suite``): ``converge`` (cold apply, no-op, one changed service, peak memory; see
``benchmarks/converge.py``), ``timeline`` (where the time of one cold apply and one change goes, step by step;
``benchmarks/timeline.py``), ``large`` (a 5,000-service spec: validate, plan, render; ``benchmarks/large.py``),
``growth`` (plan and apply time against N, and the plot; ``benchmarks/growth.py``). Requests lost during an update
under load: ``benchmarks/rollout.py``.

Generated apps, each tool's state and a JSON copy of the figures go to ``benchmarks/.work/`` (git-ignored).
Everything a run creates carries its run ID in names and labels and is removed at the end, on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import converge, report  # noqa: E402
from benchmarks.apps import SHAPES, make_app, write_app  # noqa: E402
from benchmarks.common import (  # noqa: E402
    WORK,
    BenchError,
    compose_binary,
    compose_v2_binary,
    ensure_busybox,
    interrupts_as_keyboard_interrupt,
    run_quiet,
    shipspec_binary,
)

SUITES = ("converge", "timeline", "large", "growth")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--n takes comma-separated numbers, got {text!r}") from None
    if not sizes or any(n < 1 or n > 99 for n in sizes):
        raise argparse.ArgumentTypeError("--n takes numbers from 1 to 99")
    return sizes


def _shapes(text: str) -> list[str]:
    shapes = [part.strip() for part in text.split(",") if part.strip()]
    if not shapes or set(shapes) - set(SHAPES):
        raise argparse.ArgumentTypeError(f"--shapes takes {', '.join(SHAPES)}")
    return shapes


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=SUITES, default="converge")
    parser.add_argument("--n", type=_sizes, default=None, help="app sizes, comma-separated (default 10,40)")
    parser.add_argument("--shapes", type=_shapes, default=list(SHAPES), help="flat,chain (default both)")
    parser.add_argument("--repeat", type=int, default=None, help="repeats per figure; medians are reported (5)")
    parser.add_argument("--chain-cycles", type=int, default=1,
                        help="cold cycles of the chain apps (each is N health checks in a row); their no-op and "
                             "change figures still get --repeat samples (default 1)")
    parser.add_argument("--growth-n", type=_sizes, default=None, help="growth suite sizes (default 1,10,40,99)")
    parser.add_argument("--plot", default=None, help="growth suite: where the PNG goes (benchmarks/growth.png)")
    parser.add_argument("--services", type=int, default=5000, help="large suite: services in the spec (5000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: N = 10 and one repeat unless given")
    parser.add_argument("--dry-run", action="store_true",
                        help="write the apps, `shipspec validate` them and `docker-compose config` them; no engine")
    args = parser.parse_args(argv)
    args.n = args.n or ([10] if args.quick else [10, 40])
    args.repeat = args.repeat or (1 if args.quick else 5)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def machine() -> dict[str, object]:
    server = run_quiet(["docker", "version", "--format", "{{.Server.Version}}"], timeout=30).stdout.strip()
    commit = run_quiet(["git", "rev-parse", "--short", "HEAD"], timeout=30).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "docker": server or "unreachable",
        "python": platform.python_version(),
        "commit": commit,
    }


def dry_run(args: argparse.Namespace, run_id: str) -> int:
    """Generate each app and check both files; exit 1 when either tool rejects one."""
    shipspec = shipspec_binary()
    peers = {"docker-compose": compose_binary(install=False), "compose v2": compose_v2_binary(install=False)}
    failures = 0
    for n in args.n:
        for shape in args.shapes:
            app = make_app(WORK / "dry", shape, n, run_id)
            write_app(app)
            checked = run_quiet([str(shipspec), "validate", "-f", str(app.spec)], cwd=app.folder)
            status = "ok" if checked.returncode == 0 else "INVALID"
            failures += checked.returncode != 0
            print(f"N={n} {shape}: shipspec validate {status}: {(checked.stdout + checked.stderr).strip()}")
            for peer, binary in peers.items():
                if binary is None:
                    print(f"N={n} {shape}: {peer} config skipped (not installed; run benchmarks/compose-venv and "
                          "benchmarks/compose-v2-venv)")
                    continue
                config = run_quiet([str(binary), "-p", app.project, "-f", str(app.compose_file), "config", "-q"],
                                   cwd=app.folder)
                status = "ok" if config.returncode == 0 else "INVALID"
                failures += config.returncode != 0
                detail = f": {config.stderr.strip()}" if config.returncode else ""
                print(f"N={n} {shape}: {peer} config {status}{detail}")
    print(f"dry run: {failures} problem(s); files under {WORK.relative_to(ROOT)}/dry/")
    return 1 if failures else 0


def _other_suite(args: argparse.Namespace) -> int:
    """The suites that are not the side-by-side table: each module's ``main`` takes the parsed arguments."""
    import importlib

    module = importlib.import_module(f"benchmarks.{args.suite}")
    result: int = module.main(args)
    return result


def main(argv: list[str]) -> int:
    args = parse(argv)
    run_id = uuid.uuid4().hex[:4]
    WORK.mkdir(parents=True, exist_ok=True)
    if args.dry_run:
        return dry_run(args, run_id)
    began = time.monotonic()
    meta = machine()
    if args.suite != "converge":
        return _other_suite(args)
    compose, compose_v2 = compose_binary(install=True), compose_v2_binary(install=True)
    assert compose is not None and compose_v2 is not None
    ensure_busybox()
    tools: list[converge.Tool] = [converge.Shipspec(shipspec_binary()), converge.ComposeV2(compose_v2),
                                  converge.Compose(compose)]
    print(f"shipspec vs Compose v2.40.3 and docker-compose 1.29.2: N={args.n}, {'/'.join(args.shapes)}, "
          f"medians of {args.repeat}; "
          f"run {run_id}; {meta['cores']} cores, Docker {meta['docker']}, {meta['date']}", flush=True)
    scenarios: list[converge.Scenario] = []
    try:
        with interrupts_as_keyboard_interrupt():
            for n in args.n:
                for shape in args.shapes:
                    app = make_app(WORK / f"run-{run_id}", shape, n, run_id)
                    cycles = args.chain_cycles if shape == "chain" else args.repeat
                    converge.run_scenario(tools, app, args.repeat, cycles, scenarios)
    except KeyboardInterrupt:
        print("\ninterrupted: everything of this run was removed; figures so far follow", flush=True)
    except BenchError as exc:
        print(f"benchmark stopped: {exc}", file=sys.stderr)
    if scenarios:
        print()
        print(f"Medians of {args.repeat}; {meta['cores']} cores, Docker {meta['docker']}, {meta['date']}.")
        print("\n".join(report.table(scenarios)))
        print()
        print("\n".join(report.notes(scenarios)))
        out = WORK / f"results-{run_id}.json"
        report.save_json(scenarios, out, {**meta, "repeat": args.repeat, "run_id": run_id})
        print(f"figures saved to {out.relative_to(ROOT)}")
    print(f"elapsed {time.monotonic() - began:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
