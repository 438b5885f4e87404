"""Issue 5's benchmark: requests lost during an update under load, shipspec's strategies beside docker-compose.

    .venv/bin/python benchmarks/rollout.py [--seconds 60] [--threads 4]

One busybox ``httpd`` web service on a published loopback port. A bounded load (``--threads`` threads, a fresh
connection per request, from 1 s before the update to 1 s after it converged, at most ``--seconds`` and 20,000
requests, stopping by itself) runs while the page is changed and the tool converges: shipspec with 3 replicas
behind its proxy, once per strategy (rolling, blue_green, canary), and ``docker-compose up -d`` with 1 replica (3
cannot share one host port under Compose). Printed per run: requests, failed requests, the longest gap between two
successful answers, and the time the tool took to converge. It reports and never asserts; everything it creates
carries the run ID and is removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from benchmarks.common import (  # noqa: E402
    WORK,
    compose_binary,
    compose_v2_binary,
    ensure_busybox,
    run_measured,
    run_quiet,
    shipspec_binary,
)

MAX_REQUESTS = 20_000


@dataclass
class LoadResult:
    sent: int = 0
    failed: int = 0
    longest_gap: float = 0.0
    last_ok: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _load(port: int, stop: threading.Event, out: LoadResult, deadline: float) -> None:
    while not stop.is_set() and time.monotonic() < deadline:
        with out.lock:
            if out.sent >= MAX_REQUESTS:
                return
            out.sent += 1
        ok = False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            ok = conn.getresponse().status == 200
            conn.close()
        except OSError:
            ok = False
        now = time.monotonic()
        with out.lock:
            if ok:
                out.longest_gap = max(out.longest_gap, now - out.last_ok)
                out.last_ok = now
            else:
                out.failed += 1


def under_load(port: int, seconds: float, threads: int, action: list[str], cwd: Path,
               env: dict[str, str]) -> tuple[LoadResult, float, int]:
    result, stop = LoadResult(), threading.Event()
    deadline = time.monotonic() + seconds
    workers = [threading.Thread(target=_load, args=(port, stop, result, deadline), daemon=True)
               for _ in range(threads)]
    for w in workers:
        w.start()
    time.sleep(1.0)
    sample = run_measured(action, cwd=cwd, env=env)
    time.sleep(1.0)
    stop.set()
    for w in workers:
        w.join(timeout=10)
    return result, sample.seconds, sample.returncode


def _web(page: str) -> dict[str, object]:
    return {"image": "busybox:1.36", "command": ["httpd", "-f", "-p", "8080", "-h", "/www"],
            "files": [{"target": "/www/index.html", "content": page}],
            "health": {"http": {"path": "/", "port": 8080}, "interval": "1s", "timeout": "2s", "retries": 3},
            "stop_grace_period": "2s"}


def shipspec_run(work: Path, name: str, port: int, strategy: dict[str, object], args: argparse.Namespace) -> str:
    env = {"SHIPSPEC_STATE_DIR": str(work / ".state"), "NO_COLOR": "1"}
    ship = str(shipspec_binary())

    def write(page: str) -> None:
        web = {**_web(page), "replicas": 3, "ports": [{"container": 8080, "host": port}], "strategy": strategy}
        doc = {"version": 1, "name": name, "proxy": {"enabled": True}, "services": {"web": web}}
        (work / "app.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")

    write("v1\n")
    try:
        if run_measured([ship, "apply", "--yes"], cwd=work, env=env).returncode != 0:
            return f"| shipspec {strategy['type']} | apply failed | | | |"
        write("v2\n")
        load, seconds, code = under_load(port, args.seconds, args.threads, [ship, "apply", "--yes"], work, env)
        status = "" if code == 0 else f" (exit {code})"
        return (f"| shipspec {strategy['type']}{status} | {load.sent} | {load.failed} | "
                f"{load.longest_gap * 1000:.0f} ms | {seconds:.1f} s |")
    finally:
        run_quiet([ship, "destroy", "--yes"], cwd=work, env=env)


def compose_run(work: Path, name: str, port: int, args: argparse.Namespace, v2: bool = False) -> str:
    """``up -d`` with one replica: docker-compose 1.29.2, or Compose v2 (``v2``); both recreate stop-first."""
    binary = compose_v2_binary(install=True) if v2 else compose_binary(install=True)
    title = "Compose v2 up -d" if v2 else "docker-compose up -d"
    if binary is None:
        return f"| {title} | not installed | | | |"

    def write(page: str) -> None:
        (work / "www").mkdir(exist_ok=True)
        (work / "www" / page.strip()).mkdir(exist_ok=True)
        (work / "www" / page.strip() / "index.html").write_text(page, encoding="utf-8")
        doc = {"version": "2.4", "services": {"web": {
            "image": "busybox:1.36", "command": ["httpd", "-f", "-p", "8080", "-h", "/www"], "init": True,
            "ports": [f"127.0.0.1:{port}:8080"], "environment": {"PAGE": page.strip()},
            "volumes": [f"./www/{page.strip()}:/www:ro"],
            "healthcheck": {"test": ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/"], "interval": "1s"},
            "labels": {"dev.shipspec.bench": name}}}}
        (work / "docker-compose.yml").write_text(yaml.safe_dump(doc), encoding="utf-8")

    argv = [str(binary), "-p", name, "up", "-d"]
    write("v1\n")
    try:
        if run_measured(argv, cwd=work).returncode != 0:
            return f"| {title} | up failed | | | |"
        time.sleep(3)
        write("v2\n")
        load, seconds, _code = under_load(port, args.seconds, args.threads, argv, work, {})
        gap = f"{load.longest_gap * 1000:.0f} ms"
        return f"| {title} | {load.sent} | {load.failed} | {gap} | {seconds:.1f} s |"
    finally:
        run_quiet([str(binary), "-p", name, "down", "-t", "2"], cwd=work)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="upper bound of each load; it ends 1 s after the tool converged (default 60)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--runs", default="rolling,blue_green,canary,compose-v2,compose-v1",
                        help="which runs, comma-separated (default all)")
    args = parser.parse_args(argv)
    run_id = uuid.uuid4().hex[:6]
    ensure_busybox()
    from tests.support.proxy_image import ensure_proxy_image

    ensure_proxy_image()
    rows = ["| run | requests | failed | longest gap | converge |", "|---|---:|---:|---:|---:|"]
    strategies: list[dict[str, object]] = [
        {"type": "rolling", "max_surge": 1, "max_unavailable": 0},
        {"type": "blue_green"},
        {"type": "canary", "steps": [33, 66, 100], "pause": "2s"},
    ]
    runs = set(args.runs.split(","))
    for i, strategy in enumerate(strategies):
        if strategy["type"] not in runs:
            continue
        work = WORK / f"rollout-{run_id}-{i}"
        work.mkdir(parents=True, exist_ok=True)
        rows.append(shipspec_run(work, f"bench-{run_id}-r{i}", _free_port(), strategy, args))
        print(rows[-1], flush=True)
    for peer in ("compose-v2", "compose-v1"):
        if peer not in runs:
            continue
        work = WORK / f"rollout-{run_id}-{peer}"
        work.mkdir(parents=True, exist_ok=True)
        rows.append(compose_run(work, f"bench{run_id}{peer.replace('-', '')}", _free_port(), args,
                                v2=peer == "compose-v2"))
    print("\n".join(rows))
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
