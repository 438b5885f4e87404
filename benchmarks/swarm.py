"""Issue 15's benchmark: shipspec on a three-node Swarm beside ``docker stack deploy --detach=false``.

    .venv/bin/python benchmarks/swarm.py [--rounds 2]        (root: it starts its own swarm with scripts/swarm)

One stack, written twice (a shipspec ``app.yaml`` and the Compose file ``docker stack deploy`` takes): ``db``
pinned to n2 with a secret and a volume, ``web`` (3 replicas, health-checked) and ``api`` (2 replicas, depends on
web). This kernel has no IPVS, so both use ``endpoint_mode: dnsrr``; shipspec publishes web through its proxy on
n1, the stack publishes web's port in host mode (one task per node; start-first would deadlock there, so the stack
rolls stop-first). Per round, alternating which tool goes first, each tool on its own app:

1. cold deploy: seconds until the command returned (both wait: ``--detach=false``, shipspec's watch);
2. a changed env on web and api under load from the lan namespace to n1's published port: requests and failures;
3. a change whose api health check fails: the exit code, and whether web (which updated fine) is back at its
   previous env (shipspec: the whole app rolls back) or left at the new one (the stack: a mixed stack).

It reports figures and ratios from the alternating runs and never asserts; everything it creates is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.support.busybox import TAG as BUSYBOX  # noqa: E402
from tests.support.busybox import ensure_busybox_image  # noqa: E402
from tests.support.proxy_image import TAG as HAPROXY  # noqa: E402
from tests.support.proxy_image import ensure_proxy_image  # noqa: E402
from tests.support.swarm import Swarm  # noqa: E402

SHIPSPEC = str(Path(sys.executable).parent / "shipspec")
HTTPD = ("mkdir -p /tmp/www && echo \"$GREETING from $(hostname)\" > /tmp/www/index.html "
         "&& exec httpd -f -p {port} -h /tmp/www")
DB = ("test -s /run/secrets/DB_PASSWORD && mkdir -p /data/www && echo db > /data/www/index.html "
      "&& exec httpd -f -p 5432 -h /data/www")
DEPLOY_TIMEOUT_S = 300
PROBE = ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:{port}{path}"]


def shipspec_spec(app: str, manager: str, port: int, greeting: str, api_path: str) -> dict[str, Any]:
    health = {"interval": "1s", "timeout": "1s", "retries": 2}
    common = {"image": BUSYBOX, "tmpfs": ["/tmp"], "stop_grace_period": "2s", "env": {"GREETING": greeting}}
    return {
        "version": 1, "name": app, "target": {"type": "swarm", "docker_host": manager},
        "proxy": {"image": HAPROXY, "placement": {"constraints": ["node.hostname==n1"]}},
        "services": {
            "db": {"image": BUSYBOX, "command": ["sh", "-c", DB], "secrets": {"DB_PASSWORD": {"env": "BENCH_PW"}},
                   "volumes": [{"name": "dbdata", "target": "/data"}], "security": {"run_as_root": True},
                   "placement": {"constraints": ["node.hostname==n2"]}, "stop_grace_period": "2s",
                   "health": {"http": {"path": "/", "port": 5432}, **health},
                   "strategy": {"type": "recreate", "health_deadline": "30s"}},
            "web": {**common, "command": ["sh", "-c", HTTPD.format(port=8080)], "replicas": 3,
                    "ports": [{"container": 8080, "host": port}], "placement": {"spread": ["node.id"]},
                    "health": {"http": {"path": "/"}, **health}, "depends_on": {"db": "healthy"},
                    "strategy": {"type": "rolling", "max_surge": 1, "health_deadline": "30s"}},
            "api": {**common, "command": ["sh", "-c", HTTPD.format(port=8081)], "replicas": 2,
                    "ports": [{"container": 8081}], "depends_on": {"web": "healthy"},
                    "health": {"http": {"path": api_path, "port": 8081}, **health},
                    "strategy": {"type": "rolling", "max_surge": 1, "health_deadline": "20s"}},
        },
    }


def _escaped(command: str) -> str:
    """Compose interpolates ``$VAR`` in the file itself: ``$$`` reaches the container's shell as ``$``."""
    return command.replace("$", "$$")


def stack_file(port: int, greeting: str, api_path: str, secret_file: Path) -> dict[str, Any]:
    def health(p: int, path: str) -> dict[str, Any]:
        return {"test": [s.format(port=p, path=path) for s in PROBE], "interval": "1s", "timeout": "1s",
                "retries": 2}

    update = {"parallelism": 1, "failure_action": "rollback", "monitor": "5s"}
    # Compose's `tmpfs:` key is ignored by `docker stack deploy`: a tmpfs mount has to be a long-syntax volume.
    base = {"image": BUSYBOX, "volumes": [{"type": "tmpfs", "target": "/tmp"}], "read_only": True,
            "user": "10001:10001", "cap_drop": ["ALL"],
            "stop_grace_period": "2s", "environment": {"GREETING": greeting}}
    return {
        "version": "3.8",
        "services": {
            "db": {"image": BUSYBOX, "command": ["sh", "-c", DB], "secrets": ["DB_PASSWORD"],
                   "volumes": ["dbdata:/data"], "healthcheck": health(5432, "/"), "stop_grace_period": "2s",
                   "deploy": {"endpoint_mode": "dnsrr", "placement": {"constraints": ["node.hostname==n2"]},
                              "update_config": {**update, "order": "stop-first"}}},
            "web": {**base, "command": ["sh", "-c", _escaped(HTTPD.format(port=8080))],
                    "healthcheck": health(8080, "/"),
                    "ports": [{"target": 8080, "published": port, "mode": "host"}],
                    "deploy": {"replicas": 3, "endpoint_mode": "dnsrr", "placement": {"max_replicas_per_node": 1},
                               "update_config": {**update, "order": "stop-first"}}},
            "api": {**base, "command": ["sh", "-c", _escaped(HTTPD.format(port=8081))],
                    "healthcheck": health(8081, api_path),
                    "deploy": {"replicas": 2, "endpoint_mode": "dnsrr",
                               "update_config": {**update, "order": "start-first"}}},
        },
        "volumes": {"dbdata": {}},
        "secrets": {"DB_PASSWORD": {"file": str(secret_file)}},
    }


class Tool:
    """One side of the comparison: deploy a version of the stack, and read web's env back."""

    def __init__(self, name: str, swarm: Swarm, folder: Path, app: str, port: int) -> None:
        self.name, self.swarm, self.folder, self.app, self.port = name, swarm, folder, app, port
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pw").write_text("s3cret\n")

    def deploy(self, greeting: str, api_path: str = "/") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_COLOR": "1", "BENCH_PW": "s3cret", "SHIPSPEC_STATE_DIR": str(self.folder / "st")}
        if self.name == "shipspec":
            doc = shipspec_spec(self.app, self.swarm.manager, self.port, greeting, api_path)
            # through JSON first: yaml.safe_dump writes a dict used twice as an anchor, which shipspec refuses
            (self.folder / "app.yaml").write_text(yaml.safe_dump(json.loads(json.dumps(doc)), sort_keys=False))
            argv = [SHIPSPEC, "apply", "--yes", "-f", str(self.folder / "app.yaml")]
        else:
            doc = stack_file(self.port, greeting, api_path, self.folder / "pw")
            (self.folder / "stack.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
            argv = ["docker", "-H", self.swarm.manager, "stack", "deploy", "--detach=false", "-c",
                    str(self.folder / "stack.yml"), self.app]
        try:
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=DEPLOY_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:  # `stack deploy --detach=false` has no deadline of its own
            return subprocess.CompletedProcess(argv, 124, "", f"no answer within {DEPLOY_TIMEOUT_S} s (timed out)")

    def web_env(self) -> list[str]:
        name = f"{self.app}-web" if self.name == "shipspec" else f"{self.app}_web"
        fmt = "{{json .Spec.TaskTemplate.ContainerSpec.Env}}"
        done = self.swarm.docker("service", "inspect", name, "--format", fmt)
        text = done.stdout.strip()
        return list(json.loads(text) or []) if text.startswith("[") else []

    def remove(self) -> None:
        if self.name == "shipspec":
            env = {**os.environ, "BENCH_PW": "s3cret", "SHIPSPEC_STATE_DIR": str(self.folder / "st")}
            subprocess.run([SHIPSPEC, "destroy", "--yes", "-f", str(self.folder / "app.yaml")], env=env,
                           capture_output=True, timeout=300, check=False)
        else:
            self.swarm.docker("stack", "rm", self.app)


def timed_deploy(tool: Tool, greeting: str, api_path: str = "/") -> tuple[float, int]:
    started = time.monotonic()
    done = tool.deploy(greeting, api_path)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        print(f"  {tool.name} {greeting}: exit {done.returncode}: {last[0][:300]}", flush=True)
    return seconds, done.returncode


def under_load(tool: Tool, greeting: str) -> tuple[float, dict[str, Any]]:
    stop = tool.folder / f"stop-{uuid.uuid4().hex[:6]}"
    load = subprocess.Popen(["ip", "netns", "exec", f"{tool.swarm.prefix}lan", sys.executable, "-m",
                             "tests.support.lanload", Swarm.address("n1"), str(tool.port), str(stop), "300"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    try:
        seconds, _ = timed_deploy(tool, greeting)
        time.sleep(1)
    finally:
        stop.touch()
        out, _ = load.communicate(timeout=60)
    return seconds, json.loads(out)


def one_round(tools: list[Tool], results: dict[str, dict[str, list[Any]]]) -> None:
    for tool in tools:
        r = results.setdefault(tool.name, {})
        cold, code = timed_deploy(tool, "v1")
        r.setdefault("cold_s", []).append(cold)
        r.setdefault("cold_exit", []).append(code)
        time.sleep(3)
        seconds, load = under_load(tool, "v2")
        r.setdefault("update_s", []).append(seconds)
        r.setdefault("requests", []).append(load["requests"])
        r.setdefault("failed", []).append(load["failures"])
        _, code = timed_deploy(tool, "v3", api_path="/missing")
        r.setdefault("failing_exit", []).append(code)
        env = tool.web_env()
        r.setdefault("web_after_failure", []).append(
            "v2 (whole app back)" if "GREETING=v2" in env else "v3 (mixed stack)" if "GREETING=v3" in env else env)
        tool.remove()
        time.sleep(5)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks/swarm.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    args = parser.parse_args(argv)
    ensure_busybox_image()
    ensure_proxy_image()
    with tempfile.TemporaryDirectory(prefix="shipspec-swarm-bench-") as name:
        folder = Path(name)
        swarm = Swarm(prefix=f"sb{uuid.uuid4().hex[:4]}-", state_dir=folder / "swarm")
        try:
            up = swarm.script("up", BUSYBOX, HAPROXY, timeout=600)
            if up.returncode != 0:
                raise SystemExit(f"scripts/swarm up failed: {up.stderr}")
            results: dict[str, dict[str, list[Any]]] = {}
            for i in range(args.rounds):
                tools = [Tool("shipspec", swarm, folder / f"s{i}", f"bs{i}", 18300 + i),
                         Tool("stack", swarm, folder / f"k{i}", f"bk{i}", 18400 + i)]
                one_round(tools if i % 2 == 0 else tools[::-1], results)
            report(results)
        finally:
            swarm.script("down")


def report(results: dict[str, dict[str, list[Any]]]) -> None:
    for tool, r in results.items():
        print(f"{tool}:")
        for key, values in r.items():
            print(f"  {key}: {values}")
    s, k = results.get("shipspec", {}), results.get("stack", {})
    for key in ("cold_s", "update_s"):
        if s.get(key) and k.get(key):
            ratio = statistics.median(s[key]) / statistics.median(k[key])
            print(f"ratio shipspec/stack {key} (medians of alternating runs): {ratio:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
