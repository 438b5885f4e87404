"""Issue 12's benchmark: what a restart costs the client, shipspec beside docker-compose 1.29.2 (needs root).

    .venv/bin/python benchmarks/reliability.py [--repeat 3]

Both apps run on a private Docker engine (``scripts/private-engine``: its own dockerd in its own network
namespace, so the engine restart touches nothing else) with the restart policy ``unless-stopped``: shipspec's
``web`` with 3 busybox replicas behind its proxy, Compose's ``web`` with 1 (3 cannot share one host port under
Compose). A bounded HTTP load (``benchmarks.probe``, inside the namespace) runs on each published port while one
fault is injected, and nobody applies anything afterwards:

- container restart: ``docker restart`` of the container in front (shipspec's proxy, Compose's web);
- kill -9: SIGKILL from the host to the serving process (HAProxy's worker, Compose's httpd);
- engine restart: dockerd stopped and started again, once for both apps at the same time.

Per fault and tool, medians over ``--repeat`` runs (the tools alternate which goes first): failed requests, the
longest gap between two successful answers, and the time until the app served again. Reports, never asserts;
the engine and everything on it are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from benchmarks.common import compose_binary, median, shipspec_binary  # noqa: E402

SCRIPT = ROOT / "scripts" / "private-engine"
PORTS = {"shipspec": 18080, "compose": 18081}  # inside the private namespace: nobody else binds there
WHOAMI = "mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"
PROBE_S = 60.0
SERVER = {"shipspec": "haproxy", "compose": "httpd"}  # the process kill -9 hits


class Engine:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {**os.environ, "SHIPSPEC_ENGINE_NS": f"ssbench-{os.getpid()}", "SHIPSPEC_ENGINE_DIR": str(folder),
                    "NO_COLOR": "1", "SHIPSPEC_STATE_DIR": str(folder / "shipspec-state"),
                    "SHIPSPEC_PROXY_IMAGE": "shipspec-test/haproxy:2.6"}

    def run(self, *args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(SCRIPT), *args], env=self.env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def docker(self, *args: str) -> str:
        return self.run("exec", "docker", *args).stdout.strip()

    def probe(self, port: int) -> subprocess.Popen[str]:
        argv = [str(SCRIPT), "exec", sys.executable, "-m", "benchmarks.probe", str(port), "--max-seconds", str(PROBE_S)]
        return subprocess.Popen(argv, env=self.env, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def _parents() -> dict[int, int]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return out


def serving_process(pid: int, name: str) -> int:
    """The outermost descendant of ``pid`` (a container's PID 1, docker-init or a supervisor) whose command is
    ``name``: HAProxy's master, or the app's httpd; ``pid`` itself when none is."""
    parents = _parents()
    todo, seen = [pid], []
    while todo:
        current = todo.pop(0)
        seen.append(current)
        todo += sorted(child for child, parent in parents.items() if parent == current)
    for candidate in seen:
        try:
            argv0 = (Path("/proc") / str(candidate) / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        if Path(argv0).name == name:
            return candidate
    return pid


def _setup(engine: Engine, work: Path, compose: Path) -> dict[str, str]:
    """Deploy both apps; returns tool → the container in front."""
    web = {"image": "busybox:1.36", "command": ["sh", "-c", WHOAMI], "tmpfs": ["/tmp"], "replicas": 3,
           "ports": [{"container": 8080, "host": PORTS["shipspec"]}], "stop_grace_period": "2s",
           "health": {"http": {"path": "/", "port": 8080}, "interval": "1s", "timeout": "2s", "retries": 2}}
    (work / "app.yaml").write_text(yaml.safe_dump(
        {"version": 1, "name": "relbench", "proxy": {"enabled": True}, "services": {"web": web}}))
    engine.run("exec", str(shipspec_binary()), "apply", "-y", cwd=work)
    doc = {"version": "2.4", "services": {"web": {
        "image": "busybox:1.36", "command": ["sh", "-c", WHOAMI], "init": True, "restart": "unless-stopped",
        "tmpfs": ["/tmp"], "ports": [f"127.0.0.1:{PORTS['compose']}:8080"], "stop_grace_period": "2s"}}}
    (work / "docker-compose.yml").write_text(yaml.safe_dump(doc))
    engine.run("exec", str(compose), "-p", "relbenchcompose", "up", "-d", cwd=work)
    time.sleep(3)
    return {"shipspec": "relbench-shipspec-proxy-1", "compose": "relbenchcompose_web_1"}


def _kill9(engine: Engine, container: str, name: str) -> None:
    os.kill(serving_process(int(engine.docker("inspect", "-f", "{{.State.Pid}}", container)), name), signal.SIGKILL)


def _measure(engine: Engine, tools: list[str], fault: Callable[[], object]) -> dict[str, dict[str, float]]:
    probes = {tool: engine.probe(PORTS[tool]) for tool in tools}
    time.sleep(1.0)
    fault()
    out = {}
    for tool, proc in probes.items():
        text, _ = proc.communicate(timeout=PROBE_S + 30)
        out[tool] = json.loads(text)
    return out


def _wait_healthy(engine: Engine) -> None:
    end = time.monotonic() + 90
    while "starting" in engine.docker("ps", "--format", "{{.Status}}") and time.monotonic() < end:
        time.sleep(0.5)
    time.sleep(2)


def run(args: argparse.Namespace) -> list[str]:
    compose = compose_binary(install=True)
    if compose is None:
        raise RuntimeError("docker-compose 1.29.2 is not installed (benchmarks/compose-venv)")
    folder = Path(tempfile.mkdtemp(prefix="ssb-"))
    engine = Engine(folder)
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        engine.run("up", "shipspec-test/busybox:1.36", "busybox:1.36", "shipspec-test/haproxy:2.6")
        work = folder / "work"
        work.mkdir()
        front = _setup(engine, work, compose)
        for i in range(args.repeat):
            order = ["shipspec", "compose"] if i % 2 == 0 else ["compose", "shipspec"]
            for tool in order:
                for fault, action in (("container restart", lambda t=tool: engine.docker("restart", front[t])),
                                      ("kill -9", lambda t=tool: _kill9(engine, front[t], SERVER[t]))):
                    got = _measure(engine, [tool], action)
                    results.setdefault((fault, tool), []).append(got[tool])
                    print(fault, tool, got[tool], flush=True)
                    _wait_healthy(engine)
            got = _measure(engine, order, lambda: engine.run("restart"))
            for tool in order:
                results.setdefault(("engine restart", tool), []).append(got[tool])
                print("engine restart", tool, got[tool], flush=True)
            _wait_healthy(engine)
    finally:
        subprocess.run([str(SCRIPT), "down"], env=engine.env, capture_output=True, timeout=300, check=False)
        shutil.rmtree(folder, ignore_errors=True)
    return _table(results)


def _table(results: dict[tuple[str, str], list[dict[str, float]]]) -> list[str]:
    rows = ["| fault | tool | requests | failed | longest gap | serving again after |", "|---|---|---:|---:|---:|---:|"]
    for (fault, tool), runs in results.items():
        m = {key: median([float(r[key]) for r in runs]) for key in ("sent", "failed", "longest_gap_s", "serve_again_s")}
        rows.append(f"| {fault} | {tool} | {m['sent']:.0f} | {m['failed']:.0f} | {m['longest_gap_s']:.2f} s "
                    f"| {m['serve_again_s']:.2f} s |")
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("needs root: a private dockerd in a network namespace", file=sys.stderr)
        return 1
    print("\n".join(run(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
